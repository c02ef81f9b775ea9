"""Celery entry points of the sync engine: thin, they call sync_services."""

from celery import shared_task
from django.contrib.auth import get_user_model
from redis.exceptions import RedisError

from vksync import sync_services
from vksync.sync_models import SyncRun


@shared_task(name="vksync.sync_merchant", bind=True, acks_late=True, max_retries=3)
def sync_merchant(self, merchant_id: int, run_id: int | None = None, confirmed: bool = False, trigger: str = "manual"):
    """Run one merchant's sync; when a trigger came during it, queue exactly one more.

    A run that failed because VK was only temporarily unavailable is tried again with a backoff.
    """
    merchant = get_user_model().objects.filter(pk=merchant_id).first()
    if merchant is None:
        return None
    run = SyncRun.objects.filter(pk=run_id, merchant=merchant).first() if run_id else None
    if run_id and (run is None or run.status not in (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)):
        return None  # already finished: a message delivered twice
    if run is not None and run.status == SyncRun.Status.RUNNING:
        run = None  # redelivered after the worker died mid-run: a new run takes over (the claim closes the old one)
    retry = {"merchant_id": merchant_id, "run_id": None, "confirmed": confirmed, "trigger": SyncRun.Trigger.RETRY}
    try:
        result = sync_services.run_sync(merchant=merchant, trigger=trigger, run=run, confirmed=confirmed)
    except RedisError as error:  # Redis restarting (rate limiter, locks): the run was closed; try again soon
        raise self.retry(kwargs=retry, countdown=30 * 2**self.request.retries, exc=error)
    sync_services.run_pending(merchant=merchant)
    if result and result.status == SyncRun.Status.FAILED and result.error.startswith(sync_services.TRANSIENT_FAILURE):
        raise self.retry(kwargs=retry, countdown=60 * 2**self.request.retries)
    return result.pk if result else None


@shared_task(name="vksync.sync_all_shops")
def sync_all_shops():
    """Beat: sync every VK shop whose sync is on."""
    return sync_services.sync_all_shops()
