"""What the web and the workers count for /metrics: every request by view, every Celery task by name.

`RequestMetricsMiddleware` goes first in MIDDLEWARE so it times the whole answer. The Celery signal handlers
are connected when `evosync.celery` imports this module, in every worker process.
"""

import time

from celery.signals import heartbeat_sent, task_postrun, task_prerun, worker_ready

from core.metrics import CELERY_TASK_DURATION, CELERY_TASKS, CELERY_WORKER_SEEN, HTTP_LATENCY, HTTP_REQUESTS

UNRESOLVED = "<unresolved>"


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match and match.view_name else UNRESOLVED
        HTTP_LATENCY.labels(view=view).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(view=view, method=request.method, status=str(response.status_code)).inc()
        return response


_started: dict[str, float] = {}


@task_prerun.connect
def _task_started(task_id=None, **kwargs):
    _started[task_id] = time.perf_counter()


@task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **kwargs):
    started = _started.pop(task_id, None)
    name = getattr(task, "name", None) or "unknown"
    if started is not None:
        CELERY_TASK_DURATION.labels(task=name).observe(time.perf_counter() - started)
    CELERY_TASKS.labels(task=name, state=(state or "UNKNOWN").lower()).inc()
    CELERY_WORKER_SEEN.set(time.time())


@worker_ready.connect
@heartbeat_sent.connect
def _worker_alive(**kwargs):
    CELERY_WORKER_SEEN.set(time.time())
