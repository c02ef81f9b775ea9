"""The one writer of `SyncRun`: queue, claim, heartbeat, record, close, fail.

A run is claimed in the database (one live run per merchant: a run whose heartbeat stopped is closed as
interrupted) and under a per-merchant lock as well (Redis, else the cache). The lock and the run's liveness
are one truth: the lock lasts SYNC_STALE_SECONDS, every heartbeat renews it, and it is released with the
run — so a worker killed mid-run frees the merchant at the moment its run is seen as stale, not later.
Nothing else writes a run's row.
"""

import contextlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.locks import HeldLock, renewable_lock
from core.metrics import SYNC_RUNS
from vksync import run_catalog
from vksync.models import SyncRun, SyncSettings

log = logging.getLogger(__name__)

ACTIVE = (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)
INTERRUPTED = "Прервано: процесс синхронизации остановился"
REPLACED = "Не запущено: заменено более новым запуском"
CONFIRMED = "План подтверждён, запущена новая синхронизация"
REPLANNED = "План посчитан заново: каталог или выбор товаров изменился"


def stale_before():
    return timezone.now() - timedelta(seconds=settings.SYNC_STALE_SECONDS)


def alive() -> Q:
    """A running run is alive while its heartbeat is recent; between two slices (its next slice queued behind
    other work) for as long as a queued message may wait, SYNC_SLICE_WAIT_SECONDS."""
    waiting_since = timezone.now() - timedelta(seconds=settings.SYNC_SLICE_WAIT_SECONDS)
    return Q(heartbeat_at__gte=stale_before()) | Q(between_slices=True, heartbeat_at__gte=waiting_since)


def running(merchant):
    return SyncRun.objects.filter(merchant=merchant, status=SyncRun.Status.RUNNING)


def live_run_exists(merchant) -> bool:
    """A run is going on now (its heartbeat is recent, or its next slice waits in the queue)."""
    return running(merchant).filter(alive()).exists()


def waiting_run(merchant) -> SyncRun | None:
    """A full run queued recently and not started yet (a stock push about to start absorbs no full sync)."""
    return (
        SyncRun.objects.filter(merchant=merchant, status=SyncRun.Status.QUEUED, created_at__gte=stale_before())
        .exclude(trigger=SyncRun.Trigger.STOCK)
        .first()
    )


def new_run(*, merchant, trigger: str, dry_run: bool = False) -> SyncRun:
    return SyncRun.objects.create(merchant=merchant, trigger=trigger, dry_run=dry_run)


def drop_unclaimed(run: SyncRun) -> None:
    """A run that could not start because another holds the merchant leaves no row behind."""
    SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.QUEUED).delete()


_held: dict[int, HeldLock] = {}  # run id → its merchant's lock, held by this process


@contextlib.contextmanager
def merchant_sync_lock(merchant, run: SyncRun | None = None):
    """Yield whether this process holds the merchant's sync lock; heartbeats of `run` renew it.

    When Redis does not answer, the database claim (`claim`) guards alone."""
    lock = renewable_lock("vk-sync", merchant.pk, timeout=settings.SYNC_STALE_SECONDS)
    try:
        acquired = lock.acquire()
    except _redis_errors() as error:
        log.warning("sync lock unavailable, relying on the database", extra={"error": str(error)})
        yield True
        return
    if acquired and run is not None:
        _held[run.pk] = lock
    try:
        yield acquired
    finally:
        if run is not None:
            _held.pop(run.pk, None)
        try:
            lock.release()
        except _redis_errors() as error:  # Redis restarted during the run: the lock died with it
            log.warning("sync lock not released", extra={"error": str(error)})


def _renew_lock(run: SyncRun) -> None:
    lock = _held.get(run.pk)
    if lock is None:
        return
    try:
        lock.renew()
    except Exception as error:  # noqa: BLE001 - a lock that cannot be renewed (Redis restarting): the claim guards
        log.warning("sync lock not renewed", extra={"run_id": run.pk, "error": str(error)})


def _redis_errors():
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (RedisConnectionError, RedisTimeoutError)


def claim(run: SyncRun) -> bool:
    """Mark the queued run running unless another one is alive; runs whose heartbeat stopped are closed as
    interrupted. False too when the run is no longer queued: a twin of its message took it, or dropped it."""
    now = timezone.now()
    stale = stale_before()
    with transaction.atomic():
        SyncSettings.objects.select_for_update().get_or_create(merchant=run.merchant)
        others = running(run.merchant).exclude(pk=run.pk)
        if others.filter(alive()).exists():
            return False
        started = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.QUEUED)
        if not started.update(status=SyncRun.Status.RUNNING, started_at=now, heartbeat_at=now, slices=1):
            return False
        interrupted = others.update(
            status=SyncRun.Status.FAILED, finished_at=now, error=INTERRUPTED, between_slices=False
        )
        SyncRun.objects.filter(merchant=run.merchant, status=SyncRun.Status.QUEUED, created_at__lt=stale).exclude(
            pk=run.pk
        ).update(status=SyncRun.Status.STOPPED, finished_at=now, error=REPLACED)
    if interrupted:
        SYNC_RUNS.labels(outcome="interrupted").inc(interrupted)
    return True


def claim_slice(run: SyncRun, number: int) -> bool:
    """Take up a running run's next slice (`number`, counted from 1); False when that slice was taken already
    (a message delivered twice) or the run is over (closed, or taken over by another run while it waited)."""
    taken = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING, slices=number - 1).update(
        slices=number, between_slices=False, heartbeat_at=timezone.now()
    )
    run.slices = number if taken else run.slices
    return bool(taken)


def waits_for_slice(run: SyncRun, number: int) -> bool:
    """The run is still waiting for its slice `number`."""
    return SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING, slices=number - 1).exists()


def end_slice(run: SyncRun, *, learnt: bool = False, pictures_next: bool = False, pictures_learnt: int = 0) -> None:
    """The slice's budget is used: the run stays running, its next slice queued (the merchant's lock is let go).
    `learnt`: the slice learnt pictures, or read before it planned and left its first write to the next slice —
    headway, though the next plan holds no fewer writes (`writes_left` cleared).
    `pictures_next`: the next slice only learns pictures (this one could send nothing, or learnt too few since the
    last plan: `pictures_learnt`)."""
    headway = {"writes_left": None} if learnt else {}
    SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(
        between_slices=True,
        heartbeat_at=timezone.now(),
        pictures_next=pictures_next,
        pictures_learnt=pictures_learnt if pictures_next else 0,
        **headway,
    )


def heartbeat(run: SyncRun) -> None:
    """The run is alive: say so in the database and keep its lock."""
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
    _renew_lock(run)


def record_plan(run: SyncRun, summary: dict) -> None:
    SyncRun.objects.filter(pk=run.pk).update(plan_summary=summary)


def record_writes_left(run: SyncRun, writes: int) -> None:
    """The writes the slice's plan holds: the next slice must plan fewer, or it runs to the end."""
    SyncRun.objects.filter(pk=run.pk).update(writes_left=writes)


def record_progress(run: SyncRun, *, progress: dict, counts: dict) -> None:
    """How far the run got and what it has done so far (a run that fails later still says what it wrote)."""
    SyncRun.objects.filter(pk=run.pk).update(progress=progress, heartbeat_at=timezone.now(), **counts)
    _renew_lock(run)


def record_requests(run: SyncRun, clients: list) -> None:
    """VK requests this run sent (HTTP requests, and API calls by method inside them)."""
    by_method: dict[str, int] = {}
    for client in clients:
        for method, count in client.method_counts.items():
            by_method[method] = by_method.get(method, 0) + count
    total = sum(client.request_count for client in clients)
    earlier = SyncRun.objects.filter(pk=run.pk).values_list("requests", flat=True).first() or {}
    for method, count in earlier.get("by_method", {}).items():  # the run's earlier slices
        by_method[method] = by_method.get(method, 0) + count
    total += earlier.get("total", 0)
    SyncRun.objects.filter(pk=run.pk).update(requests={"total": total, "by_method": by_method}, vk_requests=total)


def close(run: SyncRun, status: str, error: str = "", *, transient: bool = False) -> None:
    SyncRun.objects.filter(pk=run.pk).update(
        status=status, error=error, transient=transient, finished_at=timezone.now(), between_slices=False
    )
    SYNC_RUNS.labels(outcome=status).inc()
    run_catalog.forget(run)


def fail(run: SyncRun, reason: str, *, transient: bool = False) -> bool:
    """Close the run as failed (`transient`: it may work later, the task retries); True when this is the second
    failure in a row (not the third: one word, not one per failure)."""
    close(run, SyncRun.Status.FAILED, reason, transient=transient)
    last = list(
        SyncRun.objects.filter(merchant=run.merchant, dry_run=False)
        .exclude(status__in=[*ACTIVE, SyncRun.Status.STOPPED])
        .order_by("-created_at", "-id")
        .values_list("status", flat=True)[:3]
    )
    failed = SyncRun.Status.FAILED
    return last[:2] == [failed, failed] and (len(last) < 3 or last[2] != failed)


def waited_for_confirmation_before(run: SyncRun) -> bool:
    """The merchant's previous run also stopped to ask for confirmation (so they were already told)."""
    previous = SyncRun.objects.filter(merchant=run.merchant, dry_run=False).exclude(pk=run.pk).first()
    return previous is not None and previous.status == SyncRun.Status.NEEDS_CONFIRMATION


def replace_waiting_plans(merchant) -> None:
    """Plans waiting for confirmation are out of date: a new plan is on its way."""
    SyncRun.objects.filter(merchant=merchant, status=SyncRun.Status.NEEDS_CONFIRMATION).update(
        status=SyncRun.Status.STOPPED, error=REPLANNED
    )


def close_waiting_for_confirmation(merchant) -> None:
    SyncRun.objects.filter(merchant=merchant, status=SyncRun.Status.NEEDS_CONFIRMATION).update(
        status=SyncRun.Status.STOPPED, error=CONFIRMED
    )
