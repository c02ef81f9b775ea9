"""Settings for the test suite: the real settings, with test-safe defaults for what is unset.

DATABASE_URL and REDIS_URL still come from the environment, so `make test` runs on
SQLite by default and on MariaDB + Redis when they are set.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("EVOTOR_WEBHOOK_SECRET", "test-webhook-secret")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "T2vPpmHk2m9wqfQmXcV7b1cS2yGv0tYqj3r6cE8s0zI=")
os.environ.setdefault("VAR_DIR", os.path.join(tempfile.gettempdir(), f"evosync-test-{os.getpid()}"))

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
