import pytest
from django.db import OperationalError, connection


@pytest.mark.django_db
def test_health_answers_200_when_database_cache_and_broker_answer(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["down"] == []
    assert set(body["checks"]) == {"database", "cache", "broker"}


@pytest.mark.django_db
def test_health_answers_503_naming_the_broker_when_it_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    from evosync.celery import app

    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = client.get("/health")
    finally:
        app.conf.broker_url = "memory://"
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["broker"]
    assert body["checks"]["database"]["ok"] is True


@pytest.mark.django_db
def test_health_answers_503_naming_the_cache_when_it_is_down(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }  # nothing listens on port 1
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["down"] == ["cache"]
    assert response.json()["checks"]["cache"] == {"ok": False, "error": "ConnectionError"}  # the class, never the text


@pytest.mark.django_db
def test_health_reports_the_database_down(client):
    def unreachable(execute, sql, params, many, context):  # the database refuses every statement
        raise OperationalError(2003, "Can't connect to MySQL server on 'db' (111)")

    with connection.execute_wrapper(unreachable):
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["down"] == ["database"]
    assert "connect" not in response.content.decode()


def test_health_refuses_post(client):
    assert client.post("/health").status_code == 405


def test_health_answers_any_other_method_with_405_not_the_csrf_page(client):
    """Found by schemathesis: a POST met the CSRF check first and got Django's HTML 403."""
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/health")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
