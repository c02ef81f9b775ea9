"""Settings are read from the environment; a production run refuses the dev secret."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "options": db.get("OPTIONS", {}),
    "debug": settings.DEBUG, "broker": settings.CELERY_BROKER_URL,
    "cache": settings.CACHES["default"]["BACKEND"], "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "vk_version": settings.VK_API_VERSION, "refresh": settings.CATALOG_REFRESH_INTERVAL_SECONDS,
    "invite_hours": settings.INVITE_EXPIRE_HOURS, "email_backend": settings.EMAIL_BACKEND,
}))
"""


def clean_env(**env):
    """A process environment with none of the suite's own settings, plus `env`."""
    base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    return {**base, "DJANGO_SETTINGS_MODULE": "evosync.settings", **env}


def run_python(code, **env):
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean_env(**env), capture_output=True, text=True, timeout=60
    )


def load_settings(**env):
    return run_python(PRINT_SETTINGS, **env)


def test_embedded_default_is_sqlite_files_and_filesystem_broker():
    result = load_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"].endswith("db.sqlite3")
    assert values["broker"] == "filesystem://"
    assert values["cache"].endswith("FileBasedCache")
    assert values["vk_version"] == "5.199"
    assert values["refresh"] == 3600
    assert values["invite_hours"] == 48
    assert values["email_backend"] == "django.core.mail.backends.console.EmailBackend"


def test_mysql_url_gets_utf8mb4_and_strict_mode():
    pytest.importorskip("MySQLdb", reason="the MariaDB driver is installed only for a MariaDB DATABASE_URL")
    result = load_settings(DEBUG="true", DATABASE_URL="mysql://root@127.0.0.1:3306/evosync")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["engine"] == "django.db.backends.mysql"
    assert values["options"]["charset"] == "utf8mb4"
    assert "STRICT_TRANS_TABLES" in values["options"]["init_command"]


def test_redis_url_drives_cache_and_broker():
    result = load_settings(DEBUG="true", REDIS_URL="redis://127.0.0.1:6379/3")
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["broker"] == "redis://127.0.0.1:6379/3"


def test_production_refuses_the_dev_secret_key():
    result = load_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_with_a_real_secret_turns_https_hardening_on():
    result = load_settings(DEBUG="false", SECRET_KEY="x" * 60)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["debug"] is False
    assert values["ssl_redirect"] is True


def test_smtp_provider_reads_email_url():
    code = PRINT_SETTINGS.replace('"email_backend": settings.EMAIL_BACKEND,', '"email_backend": settings.EMAIL_HOST,')
    result = run_python(code, DEBUG="true", EMAIL_PROVIDER="smtp", EMAIL_URL="smtp://mailer:pw@mail.example.com:587")
    assert json.loads(result.stdout.strip().splitlines()[-1])["email_backend"] == "mail.example.com"


def test_check_deploy_is_quiet_with_production_settings():
    env = clean_env(DEBUG="false", SECRET_KEY="k" * 40 + "-Prod-9x!q", ALLOWED_HOSTS="evosync.example.com")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_a_metrics_network_that_is_not_one_stops_the_start():
    result = run_python("import django; django.setup()", DEBUG="true", METRICS_ALLOWED_NETWORKS="10.0.0.0/8,intranet")
    assert result.returncode != 0
    assert "METRICS_ALLOWED_NETWORKS: 'intranet' is not an address or a network" in result.stderr
    assert (
        run_python("import django; django.setup()", DEBUG="true", METRICS_ALLOWED_NETWORKS="10.0.0.0/8").returncode == 0
    )
