"""Celery: broker, beat and task defaults."""

import environ

env = environ.Env()

_redis_url = env.str("REDIS_URL", default="")
# Without Redis the broker is a folder on disk, so `make run` needs nothing but Python.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=_redis_url or "filesystem://")
CELERY_BROKER_FOLDER = env.str("CELERY_BROKER_FOLDER", default="var/broker")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

FLOWER_USER = env.str("FLOWER_USER", default="admin")
FLOWER_PASSWORD = env.str("FLOWER_PASSWORD", default="")
