"""docker-compose.yml is for our users' servers: parse it and check what it promises."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat", "flower")
NOT_SETTINGS = {"MARIADB_PASSWORD", "MARIADB_ROOT_PASSWORD", "MARIADB_DATABASE", "MARIADB_USER"}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def settings_variables():
    """Every variable the settings read through django-environ."""
    names = set()
    for path in (ROOT / "evosync" / "settings").glob("*.py"):
        names |= set(re.findall(r"env(?:\.\w+)?\(\s*\"([A-Z0-9_]+)\"", path.read_text()))
    return names


def test_compose_has_every_service(compose):
    assert set(compose["services"]) == {"web", "worker", "beat", "flower", "db", "redis"}


def test_one_image_serves_web_worker_beat_and_flower(compose):
    images = {compose["services"][name]["image"] for name in APP_SERVICES}
    assert images == {"evosync:latest"}
    assert all(compose["services"][name]["build"] == "." for name in APP_SERVICES)
    assert (ROOT / "Dockerfile").exists()


def test_web_migrates_on_start_and_publishes_8080(compose):
    web = compose["services"]["web"]
    assert "manage.py migrate" in web["command"]
    assert web["command"].index("migrate") < web["command"].index("gunicorn")
    assert "8080:8000" in web["ports"]
    assert "/health" in " ".join(web["healthcheck"]["test"])


def test_worker_beat_and_flower_commands(compose):
    services = compose["services"]
    assert "celery -A evosync worker" in services["worker"]["command"]
    assert "DatabaseScheduler" in services["beat"]["command"]
    assert "flower" in services["flower"]["command"] and "--basic-auth" in services["flower"]["command"]
    assert any(port.endswith(":5555:5555") for port in services["flower"]["ports"])


def test_database_is_mariadb_11_4_with_healthcheck_and_volume(compose):
    db = compose["services"]["db"]
    assert db["image"] == "mariadb:11.4"
    assert "healthcheck" in db
    assert any(volume.endswith(":/var/lib/mysql") for volume in db["volumes"])
    assert compose["services"]["redis"]["image"] == "redis:7-alpine"
    assert compose["services"]["web"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_every_variable_passed_to_the_app_exists_in_settings(compose):
    known = settings_variables()
    for name in APP_SERVICES:
        for variable in compose["services"][name]["environment"]:
            assert variable in known, f"{name} passes {variable}, which no setting reads"


def test_every_setting_is_documented_in_env_example():
    documented = set(re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    missing = settings_variables() - documented - NOT_SETTINGS
    assert not missing, f"not in .env.example: {sorted(missing)}"


def test_settings_read_what_the_issue_lists():
    listed = {
        "DATABASE_URL",
        "REDIS_URL",
        "CELERY_BROKER_URL",
        "SECRET_KEY",
        "DEBUG",
        "ALLOWED_HOSTS",
        "BASE_URL",
        "EVOTOR_API_URL",
        "EVOTOR_APP_ID",
        "EVOTOR_WEBHOOK_SECRET",
        "VK_API_URL",
        "VK_API_VERSION",
        "VK_DEFAULT_PHOTO_PATH",
        "CATALOG_REFRESH_INTERVAL_SECONDS",
        "INVITE_EXPIRE_HOURS",
        "EMAIL_URL",
        "EMAIL_PROVIDER",
        "SMS_PROVIDER",
        "JIVOSITE_WIDGET_ID",
        "FLOWER_USER",
        "FLOWER_PASSWORD",
        "FIELD_ENCRYPTION_KEY",
    }
    assert listed <= settings_variables()
    assert settings.VK_API_VERSION == "5.199"


def test_worker_nodes_scale_and_take_their_pool_concurrency_and_queues_from_the_environment(compose):
    """`docker compose up --scale worker=N` needs workers with no fixed name or port; `celery worker` reads its
    pool, concurrency and queues from CELERY_WORKER_* (its options' environment names), which the worker gets."""
    worker = compose["services"]["worker"]
    assert "container_name" not in worker and "ports" not in worker
    assert not re.search(r"--(pool|concurrency|queues)|\s-[PcQ]\b", worker["command"])  # not pinned
    knobs = worker["environment"]
    assert knobs["CELERY_WORKER_POOL"] == "${CELERY_WORKER_POOL:-threads}"
    assert re.fullmatch(r"\$\{CELERY_WORKER_CONCURRENCY:-\d+\}", knobs["CELERY_WORKER_CONCURRENCY"])
    assert knobs["CELERY_WORKER_QUEUES"] == "${CELERY_WORKER_QUEUES:-celery}"
    assert "SYNC_SLICE_SECONDS" in knobs
    assert knobs["DATABASE_URL"] == compose["services"]["web"]["environment"]["DATABASE_URL"]  # one MariaDB
    assert knobs["CELERY_BROKER_URL"] == compose["services"]["beat"]["environment"]["CELERY_BROKER_URL"]  # one Redis
