"""Logs are one JSON object per line, carrying the request id (web) or the task id (Celery)."""

import json
import logging

import pytest

from evosync.logging import ContextFilter, JsonFormatter, task_id_var


def format_record(message="hello %s", args=("world",), **extra):
    record = logging.LogRecord("evosync.test", logging.INFO, __file__, 1, message, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    ContextFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_a_log_line_is_json_with_level_logger_and_message():
    line = format_record()
    assert line["level"] == "INFO" and line["logger"] == "evosync.test" and line["msg"] == "hello world"
    assert "request_id" not in line and "task_id" not in line


def test_extra_fields_and_the_task_id_go_into_the_line():
    token = task_id_var.set("task-123")
    try:
        line = format_record(merchant_id=7)
    finally:
        task_id_var.reset(token)
    assert line["task_id"] == "task-123"
    assert line["merchant_id"] == 7


def test_structured_extras_stay_json_and_the_rest_becomes_text():
    line = format_record(seconds={"photos": 14.6, "items": 12.0}, ids=[1, 2], path=object())
    assert line["seconds"] == {"photos": 14.6, "items": 12.0}
    assert line["ids"] == [1, 2]
    assert line["path"].startswith("<object object")


@pytest.mark.django_db
def test_every_response_carries_a_request_id_and_logs_see_it(client, caplog):
    seen = []

    def remember(record):
        seen.append(format_record(record.msg, record.args, **{"request": record.request}))
        return True

    logger = logging.getLogger("django.request")
    logger.addFilter(remember)
    try:
        response = client.get("/no-such-page")
    finally:
        logger.removeFilter(remember)
    assert response.status_code == 404
    assert len(response["X-Request-ID"]) == 32
    assert [line["request_id"] for line in seen] == [response["X-Request-ID"]]
    assert "request" not in seen[0]


def test_a_proxy_request_id_is_kept(client):
    response = client.get("/health", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
