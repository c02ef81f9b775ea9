"""Celery entry points of the sync engine: thin, they call the engine, the triggers and the mail."""

import contextlib
import time

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from core.slices import Slice
from vksync import engine, runs, stock, triggers
from vksync.models import SyncRun

SLICE_LOCK_RETRY_SECONDS = 2


@shared_task(name="vksync.sync_merchant", bind=True, acks_late=True, max_retries=5)
def sync_merchant(
    self,
    merchant_id: int,
    run_id: int | None = None,
    confirmed: bool = False,
    trigger: str = "manual",
    slice_number: int = 1,
):
    """Run one slice of a merchant's sync (SYNC_SLICE_SECONDS); queue the next slice while the run is
    unfinished, and when a trigger came during the run, exactly one more run after it.

    A run that failed because VK was only temporarily unavailable is tried again with a backoff. A run
    refused because another holds the merchant queues nothing at once: the holder runs the pending one
    when it ends; only when no live run is seen (a killed worker whose lock has not lapsed yet) does the
    task come back, after a delay that doubles each time.
    """
    started = time.monotonic()  # the slice's budget counts from the task's start
    merchant = get_user_model().objects.filter(pk=merchant_id).first()
    if merchant is None:
        return None
    run = SyncRun.objects.filter(pk=run_id, merchant=merchant).first() if run_id else None
    if run_id and (run is None or run.status not in (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)):
        return None  # already finished: a message delivered twice
    if run is not None and run.status == SyncRun.Status.RUNNING and (slice_number == 1 or run.slices >= slice_number):
        # Redelivered after the worker died mid-slice: a new run takes over (the claim closes the old one).
        run, slice_number = None, 1
    clock = Slice(settings.SYNC_SLICE_SECONDS, task=self.name, started=started, headroom=settings.SYNC_SLICE_HEADROOM)
    try:
        return _run_slice(self, merchant, run, clock, confirmed=confirmed, trigger=trigger, slice_number=slice_number)
    finally:
        clock.close()  # its closing (from the slice's safe point) is the margin of the next slices' deadlines


def _run_slice(task, merchant, run, clock: Slice, *, confirmed: bool, trigger: str, slice_number: int):
    """The slice run; the next one queued, a pending run started, or the task retried (see `sync_merchant`)."""
    merchant_id = merchant.pk
    retry = {"merchant_id": merchant_id, "run_id": None, "confirmed": confirmed, "trigger": SyncRun.Trigger.RETRY}
    try:
        result = engine.run_sync(
            merchant=merchant,
            trigger=trigger,
            run=run,
            confirmed=confirmed,
            clock=clock,
            slice_number=slice_number,
        )
    except (RedisError, DatabaseOperationalError, DatabaseInterfaceError) as error:
        # Redis restarting (rate limiter, locks) or the database connection lost: the run was closed; try again soon
        countdown = max(1, retry_delay(task.request.retries) // 2)
        raise retry_when_broker_answers(task, kwargs=retry, countdown=countdown, exc=error)
    if result is None and slice_number > 1:
        if runs.waits_for_slice(run, slice_number):  # the merchant's lock was held a moment (a refused claim)
            raise retry_when_broker_answers(task, countdown=SLICE_LOCK_RETRY_SECONDS)
        return None  # the slice was taken up already, or the run is over (taken over while it waited)
    if result is None:
        if not runs.live_run_exists(merchant):
            countdown = refused_delay(task.request.retries)
            raise retry_when_broker_answers(task, kwargs={**retry, "trigger": trigger}, countdown=countdown)
        return None
    if result.status == SyncRun.Status.RUNNING:  # the slice's budget is used: the next goes behind other work
        next_slice = {
            "run_id": result.pk,
            "confirmed": confirmed,
            "trigger": trigger,
            "slice_number": result.slices + 1,
        }
        # A token's turn that would have come after the deadline is waited for in the queue, not in a slot; the
        # slice goes behind fresh work (other shops' first slices and hourly syncs), not just behind what is queued.
        sync_merchant.apply_async(
            kwargs={"merchant_id": merchant_id, **next_slice},
            countdown=clock.resume_in or None,
            priority=settings.LATER_WORK_PRIORITY,
        )
        return result.pk
    triggers.run_pending(merchant=merchant)
    if result.status == SyncRun.Status.FAILED and result.transient:
        raise retry_when_broker_answers(task, kwargs=retry, countdown=retry_delay(task.request.retries))
    return result.pk


@shared_task(name="vksync.push_stock", bind=True, acks_late=True, max_retries=30)
def push_stock(self, merchant_id: int, before: dict):
    """Push the stock and price of the products a stock recheck found moved; after the run that holds the
    merchant (a full sync) when one does."""
    merchant = get_user_model().objects.filter(pk=merchant_id).first()
    if merchant is None:
        return None
    result = stock.push_stock(merchant=merchant, before=before)
    if result is None:
        countdown = settings.STOCK_PUSH_RETRY_SECONDS * 2 ** min(self.request.retries, 3)
        raise retry_when_broker_answers(
            self, kwargs={"merchant_id": merchant_id, "before": before}, countdown=countdown
        )
    triggers.run_pending(merchant=merchant)  # a full sync asked for during the push runs now
    if result.status == SyncRun.Status.FAILED and result.transient:
        raise retry_when_broker_answers(self, countdown=retry_delay(self.request.retries))
    return result.pk


def retry_when_broker_answers(task, **options):
    """`task.retry`, once Redis answers: the run may have failed because Redis restarted, and a retry queued
    while it is down would be dropped. Waits up to TASK_RETRY_BROKER_WAIT_SECONDS."""
    with contextlib.suppress(OperationalError), task.app.connection_for_write() as connection:
        connection.ensure_connection(
            interval_start=1, interval_step=1, interval_max=5, timeout=settings.TASK_RETRY_BROKER_WAIT_SECONDS
        )
    return task.retry(**options)


def retry_delay(retries: int) -> int:
    """Seconds before a failed run is tried again: SYNC_RETRY_BACKOFF_SECONDS, doubling."""
    return settings.SYNC_RETRY_BACKOFF_SECONDS * 2**retries


def refused_delay(retries: int) -> int:
    """Seconds before a refused sync tries again: doubling, never past the time a dead run takes to go stale."""
    return min(15 * 2**retries, max(15, settings.SYNC_STALE_SECONDS))


@shared_task(name="vksync.sync_all_shops")
def sync_all_shops():
    """Sync every VK shop whose sync is on (by hand, from the admin's task list; the hourly sync follows the
    hourly catalog refresh instead: see README, "Schedules")."""
    return triggers.sync_all_shops()
