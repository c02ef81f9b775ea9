"""JSON log lines carrying the request id (web) or the task id (Celery)."""

import contextvars
import json
import logging
import uuid
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
task_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("task_id", default=None)

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id", "task_id", "request"}


class ContextFilter(logging.Filter):
    def filter(self, record):
        # Django logs a response's status after the middleware has finished; its record carries the request.
        request = getattr(record, "request", None)
        record.request_id = request_id_var.get() or getattr(request, "request_id", None)
        record.task_id = task_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in ("request_id", "task_id"):
            if getattr(record, key, None):
                line[key] = getattr(record, key)
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = _json_safe(value)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def _json_safe(value):
    """Plain values and JSON-able dicts/lists as they are (a stage timing stays an object); anything else as text."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    if isinstance(value, (dict, list, tuple)):
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            return str(value)
        return value
    return str(value)


class RequestIdMiddleware:
    """Give every request an id (or keep the proxy's X-Request-ID) for logs and the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response
