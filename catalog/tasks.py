"""Celery entry points for the catalog: thin, they call catalog.services."""

import time

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model

from catalog import services, stock, triggers
from catalog.models import StockRecheck
from core import spread
from core.slices import Slice


@shared_task(name="catalog.refresh_catalog", bind=True, max_retries=3)
def refresh_catalog(self, merchant_id: int) -> str:
    """Refresh one merchant's catalog within the task's slice: a read cut at its deadline goes on in the next task
    (`reading`, behind fresh work), the picture checks left over in `check_pictures`; retry later when Evotor was
    only temporarily unavailable."""
    started = time.monotonic()
    merchant = get_user_model().objects.filter(pk=merchant_id).first()
    if merchant is None:
        return "no such merchant"
    clock = _task_slice(self.name, started)
    try:
        result = services.refresh_catalog(merchant=merchant, clock=clock)
        if result.status == "reading":
            refresh_catalog.apply_async((merchant_id,), priority=settings.LATER_WORK_PRIORITY)
        if result.images_left:  # the checks that did not fit in this task's slice go on in the next
            _check_pictures_later(merchant_id, countdown=clock.resume_in)
    finally:
        clock.close()
    if result.transient:
        raise self.retry(countdown=60 * 2**self.request.retries)
    return result.status


@shared_task(name="catalog.check_pictures", bind=True)
def check_pictures(self, merchant_id: int) -> str:
    """Check the pictures a refresh left unchecked, as many as fit in one task's slice; the rest in the next."""
    started = time.monotonic()
    merchant = get_user_model().objects.filter(pk=merchant_id).first()
    if merchant is None:
        return "no such merchant"
    clock = _task_slice(self.name, started)
    try:
        result = services.learn_pictures(merchant=merchant, clock=clock)
        if result.images_left:
            _check_pictures_later(merchant_id, countdown=clock.resume_in)
    finally:
        clock.close()
    return result.status


def _check_pictures_later(merchant_id: int, *, countdown: float = 0) -> None:
    """The picture checks left over, behind fresh work (LATER_WORK_PRIORITY); after `countdown` seconds when the
    token's turn at Evotor comes only then (waited in the queue, not in a slot)."""
    check_pictures.apply_async((merchant_id,), countdown=countdown or None, priority=settings.LATER_WORK_PRIORITY)


def _task_slice(task: str, started: float) -> Slice:
    """A worker task's slice (SYNC_SLICE_SECONDS, as a sync's): a long task would hold a slot others wait for."""
    return Slice(settings.SYNC_SLICE_SECONDS, task=task, started=started, headroom=settings.SYNC_SLICE_HEADROOM)


@shared_task(name="catalog.refresh_due_catalogs", ignore_result=True)
def refresh_due_catalogs() -> int:
    """The beat's tick (every minute): each merchant whose place in the hour came gets a refresh task of its own,
    so the hour's refreshes are spread over it (`core.spread`) instead of all at once."""
    return spread.hand_out(
        "catalog-refresh",
        services.refreshable_merchants(),
        every=settings.CATALOG_REFRESH_INTERVAL_SECONDS,
        send=lambda merchant_id, seconds: refresh_catalog.apply_async((merchant_id,), countdown=seconds),
    )


@shared_task(name="catalog.refresh_all_catalogs")
def refresh_all_catalogs() -> dict:
    """Refresh every connected merchant's catalog, one after another in this task (by hand, from the admin's task
    list; the beat spreads them instead: `refresh_due_catalogs`)."""
    results = services.refresh_all_catalogs()
    return {"merchants": len(results), "ok": sum(r.ok for r in results)}


@shared_task(name="catalog.recheck_stock", bind=True, max_retries=20)
def recheck_stock(self, merchant_id: int) -> str:
    """Read again the stock and price of the products Evotor said moved; later when a refresh holds the catalog
    (it follows the refresh) or Evotor was only briefly away."""
    merchant = get_user_model().objects.filter(pk=merchant_id).first()
    if merchant is None:
        return "no such merchant"
    triggers.recheck_starting(merchant_id=merchant_id)
    result = stock.recheck_stock(merchant=merchant)
    if result.transient:
        raise self.retry(countdown=settings.STOCK_RECHECK_RETRY_SECONDS * 2 ** min(self.request.retries, 4))
    if StockRecheck.objects.filter(merchant=merchant).exists():  # named during the recheck, or past its cap
        triggers.queue_recheck_soon(merchant_id=merchant_id, delay=settings.STOCK_SYNC_DEBOUNCE_SECONDS)
    return result.status
