"""EvoSync settings: everything comes from the environment (or a `.env` file).

Every variable read here is listed, with its default, in `.env.example`.
Each integration keeps its own settings module; this one holds the core.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off; the dev default is refused.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
BASE_URL = env.str("BASE_URL", default="http://localhost:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[BASE_URL])
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "allauth",
    "allauth.account",
    "guardian",
    "evosync.apps.AxesConfig",  # axes, named in Russian in the admin
    "django_celery_beat",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc builds, served as our static files (no DRF)
    "auditlog",  # django-auditlog; its LogEntry is swapped for audit.AuditEvent (AUDITLOG_LOGENTRY_MODEL)
    "evosync",
    "audit",
    "accounts",
    "connections",
    "catalog",
    "vkshop",
    "vksync",
    "webhooks",
    "notifications",
    "orders",
    "emulators",
    "tools",
]

MIDDLEWARE = [
    "evosync.instrumentation.RequestMetricsMiddleware",  # first: times the whole answer
    "evosync.logging.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "evosync.admin_language.AdminInRussianMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "evosync.urls"
WSGI_APPLICATION = "evosync.wsgi.application"
ASGI_APPLICATION = "evosync.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "evosync.context_processors.site",
                "accounts.context_processors.shop",
                "vksync.context_processors.sync_state",
                "notifications.context_processors.notification_channels",
            ],
        },
    },
]

# Database: SQLite file by default, MariaDB through DATABASE_URL=mysql://...
SQLITE_MMAP_BYTES = env.int("SQLITE_MMAP_BYTES", default=256 * 1024 * 1024)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"charset": "utf8mb4", "init_command": "SET sql_mode='STRICT_TRANS_TABLES'"}
    )
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Worker, beat and web share one file: wait for locks instead of failing at once.
    # Reads go through a memory map (the OS's page cache, shared by every process) instead of a read()
    # per 4 KiB page into SQLite's own 2 MB cache, which 10,000 products outgrow: a catalog search read
    # each row from the OS in 10 ms, 3.5 ms mapped (docs/benchmarks.md, "Merchant pages").
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}"}
    )
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis (cache, locks, rate limits) when REDIS_URL is set; files otherwise.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Sessions are read from the cache (Redis, or files) on every page and written through to the database:
# a page no longer spends a query and its ORM work on the session (docs/benchmarks.md, "Merchant pages").
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.EmailStatusBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login"
# /home sends a merchant who has not finished setting up to the guided start (/start), the others to /sync.
LOGIN_REDIRECT_URL = "/home"
LOGOUT_REDIRECT_URL = "/login"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский"), ("en", "English")]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
# Our Russian over Django's and the apps' own: model names' plural forms, admin phrases (evosync/locale).
LOCALE_PATHS = [BASE_DIR / "evosync" / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Tokens at rest (Evotor and VK) are encrypted with this key (Fernet, urlsafe base64 of 32 bytes).
# Empty: a key is derived from SECRET_KEY, which is fine for development only.
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")

# Production hardening: on whenever DEBUG is off (`manage.py check --deploy` stays quiet).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
X_FRAME_OPTIONS = "DENY"

from .accounts import *  # noqa: E402,F403
from .audit import *  # noqa: E402,F403
from .celery import *  # noqa: E402,F403
from .evotor import *  # noqa: E402,F403
from .logging import *  # noqa: E402,F403
from .metrics import *  # noqa: E402,F403
from .security import *  # noqa: E402,F403
from .sync import *  # noqa: E402,F403
from .vk import *  # noqa: E402,F403
