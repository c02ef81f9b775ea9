import pytest

from evosync import health


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
def test_health_answers_503_naming_the_cache_when_it_is_down(client, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "broker", lambda: None)

    def broken_cache():
        raise ConnectionError("redis down")

    monkeypatch.setitem(health.CHECKS, "cache", broken_cache)
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["down"] == ["cache"]
    assert "redis down" not in response.content.decode()


def test_health_reports_the_database_down(client, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "broker", lambda: None)

    def broken_database():
        raise OSError("database unreachable")

    monkeypatch.setitem(health.CHECKS, "database", broken_database)
    response = client.get("/health")
    assert response.status_code == 503
    assert "database" in response.json()["down"]


def test_health_refuses_post(client):
    assert client.post("/health").status_code == 405
