"""Celery: broker, beat and task defaults."""

import environ

env = environ.Env()

_redis_url = env.str("REDIS_URL", default="")
# Without Redis the broker is a folder on disk, so `make run` needs nothing but Python.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=_redis_url or "filesystem://")
CELERY_BROKER_FOLDER = env.str("CELERY_BROKER_FOLDER", default="var/broker")
# How often a worker looks into the broker folder (kombu's default: every second; the bench looks more often).
CELERY_BROKER_POLLING_SECONDS = env.float("CELERY_BROKER_POLLING_SECONDS", default=1.0)
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Fresh work first: a long task's later parts (a sync's next slice, the picture checks a refresh left) are queued
# at this priority, behind every message queued without one (a first slice, an hourly sync, a stock push, a
# refresh). With Redis, 0 comes first and kombu keeps 0, 3, 6 and 9 in lists of their own; the folder broker of
# `make run` has no priorities and keeps one queue in order.
LATER_WORK_PRIORITY = 6
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A worker node's pool and size. `celery worker` reads these very variables itself (its options' environment
# names); the settings repeat them for workers started from code. The work waits on VK and Evotor far more than
# it computes (a VK token allows 3 requests a second), so production runs a threads pool of many slots: a slot
# sleeping in the rate limiter holds a thread, not a process (docs/architecture.md, "Many shops").
# docker-compose.yml sets threads and 16; unset, Celery's own defaults (prefork, one process per CPU).
CELERY_WORKER_POOL = env.str("CELERY_WORKER_POOL", default="prefork")
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=0) or None
# The queues a worker node takes (`celery worker -Q`, read from CELERY_WORKER_QUEUES by Celery itself); every task
# goes to the default queue "celery": a long sync shares the workers through its slices (SYNC_SLICE_SECONDS).
WORKER_QUEUES = env.list("CELERY_WORKER_QUEUES", default=["celery"])

# A broker restart loses no queued work (README, "Redis restarts"):
# - a task taken is acknowledged only when done, and one whose worker died is given back;
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# - the worker reconnects for as long as it takes, also when Redis is not up yet at its start, and survives
#   losing the connection with such a task in hand (evosync.celery.BrokerRestartSafeConsumer);
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CONSUMER = "evosync.celery:BrokerRestartSafeConsumer"
# Tasks running when the connection drops go on (a sync has its own lock and heartbeat); they are not cancelled.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# - whoever queues a task waits for Redis instead of dropping the message: it reconnects for up to
#   BROKER_PUBLISH_WAIT_SECONDS (a restart, within a web request's time) and sends again;
# - a task's own retry (a run that failed because Redis restarted) first waits up to TASK_RETRY_BROKER_WAIT_SECONDS
#   for Redis to answer (vksync.tasks): a worker can do nothing without it anyway;
BROKER_PUBLISH_WAIT_SECONDS = 20
TASK_RETRY_BROKER_WAIT_SECONDS = 600
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 10, "interval_start": 0, "interval_step": 1, "interval_max": 2}
# - a message taken and not acknowledged (its worker was killed, or Redis went down under it) goes back to the
#   queue after the visibility timeout: longer than the longest task plus the longest countdown (a sync's retries
#   wait up to 16 minutes), or a task still running or waiting would be handed out twice. Redis keeps queued
#   messages over a restart only with its append-only file on (docker-compose.yml runs it so).
BROKER_VISIBILITY_TIMEOUT_SECONDS = env.int("BROKER_VISIBILITY_TIMEOUT_SECONDS", default=3600)
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": BROKER_VISIBILITY_TIMEOUT_SECONDS,
        # How long a publisher reconnects when Redis is down as it starts; without it 5 s, then the message is lost.
        "connect_retries_timeout": BROKER_PUBLISH_WAIT_SECONDS,
        "interval_start": 0,
        "interval_step": 1,
        "interval_max": 2,
    }

FLOWER_USER = env.str("FLOWER_USER", default="admin")
FLOWER_PASSWORD = env.str("FLOWER_PASSWORD", default="")
