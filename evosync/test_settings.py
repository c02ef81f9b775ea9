"""Settings for the test suite: the real settings, with test-safe defaults for what is unset.

DATABASE_URL and REDIS_URL still come from the environment, so `make test` runs on
SQLite by default and on MariaDB + Redis when they are set.
"""

import os
import tempfile
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("EVOTOR_WEBHOOK_SECRET", "test-webhook-secret")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "T2vPpmHk2m9wqfQmXcV7b1cS2yGv0tYqj3r6cE8s0zI=")
os.environ.setdefault("VAR_DIR", os.path.join(tempfile.gettempdir(), f"evosync-test-{os.getpid()}"))


def redis_of_this_worker(url: str, worker: str) -> str:
    """Each pytest-xdist worker (gw0, gw1, …) its own Redis database: REDIS_URL's, then the ones below it.
    `cache.clear()` empties a whole database, and the workers' test databases hold the same merchant ids, so
    one worker's locks, rate windows and cache would be another's."""
    if not url or not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(database - int(worker[2:])) % 16}"))


os.environ["REDIS_URL"] = redis_of_this_worker(
    os.environ.get("REDIS_URL", ""), os.environ.get("PYTEST_XDIST_WORKER", "")
)

from evosync.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
if not REDIS_URL:  # noqa: F405
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Files the code stores (product thumbnails, uploaded photos) go to the run's temporary folder, not ./media.
MEDIA_ROOT = Path(VAR_DIR) / "media"  # noqa: F405
