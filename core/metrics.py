"""The operators' counters (Prometheus): what the web, the workers and the clients count as it happens.

Defined once here so every layer may count without importing a higher one; `evosync.metrics` serves them at
/metrics with the figures read from the database at scrape time. With several processes (gunicorn workers,
Celery's prefork children) prometheus-client's multiprocess mode adds them up: PROMETHEUS_MULTIPROC_DIR names a
folder every process of one host writes to (README, "Metrics").
"""

import os

from prometheus_client import Counter, Gauge, Histogram

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # the folder must exist before the first metric below
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
TASK_BUCKETS = (0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800)
WAIT_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30)

HTTP_REQUESTS = Counter(
    "evosync_http_requests", "HTTP requests answered, by view, method and status", ["view", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "evosync_http_request_duration_seconds", "Time to answer a request, by view", ["view"], buckets=LATENCY_BUCKETS
)
CELERY_TASKS = Counter("evosync_celery_tasks", "Celery tasks finished, by task and state", ["task", "state"])
CELERY_TASK_DURATION = Histogram(
    "evosync_celery_task_duration_seconds", "Celery task run time, by task", ["task"], buckets=TASK_BUCKETS
)
CELERY_WORKER_SEEN = Gauge(
    "evosync_celery_worker_last_seen_timestamp_seconds",
    "Unix time a Celery worker last sent its heartbeat or finished a task",
    multiprocess_mode="max",
)
SYNC_RUNS = Counter("evosync_sync_runs", "VK sync runs ended, by outcome", ["outcome"])
VK_REQUESTS = Counter("evosync_vk_requests", "HTTP requests to VK's API, by method", ["method"])
VK_ERRORS = Counter(
    "evosync_vk_errors", "VK errors, by code (VK's error_code, or http_5xx / network)", ["code", "method"]
)
VK_RATE_LIMIT_WAIT = Histogram(
    "evosync_vk_rate_limit_wait_seconds", "Time a VK request waited for the rate limiter", buckets=WAIT_BUCKETS
)
EVOTOR_RATE_LIMIT_WAIT = Histogram(
    "evosync_evotor_rate_limit_wait_seconds",
    "Time an Evotor request waited for its token's pace (EVOTOR_RATE_LIMIT_PER_SECOND, Evotor's own reset)",
    buckets=WAIT_BUCKETS,
)
EVOTOR_REQUESTS = Counter("evosync_evotor_requests", "HTTP requests to Evotor's cloud, by resource", ["resource"])
EVOTOR_ERRORS = Counter(
    "evosync_evotor_errors",
    "Evotor answers that were errors, by resource and status (or network)",
    ["resource", "status"],
)
