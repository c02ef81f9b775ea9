"""One sync run from start to end, stage after stage:

claim (runs) → read the VK shop into the cache (vkshop) when the cache cannot be trusted → load the inputs
(inputs) → plan (planning, pure) → stop at the brake or for the first confirmation → apply (applying, which
writes VK's answers into the cache) → close the run (runs) → tell the merchant when they must act
(notifications). Every failure ends the run with its reason in words.
"""

import logging
import time

from django.conf import settings
from django.db import DatabaseError
from django.db import connection as database

from catalog.services import learn_pictures, refresh_catalog
from connections.models import VkConnection
from connections.state import mark_ok
from connections.vk.errors import VkConnectionBroken, VkError, VkRateLimitReached, VkTransientError
from connections.vk.services import remember_photo_bulk_refused, run_with_vk
from core.plurals import plural
from core.slices import Slice
from vkshop import writes as shop_writes
from vkshop.services import cached_items, read_vk_shop, store_vk_shop
from vksync import notifications, runs, triggers, variants
from vksync.applying import apply_plan
from vksync.applying.sender import BATCH
from vksync.counts import vk_count
from vksync.inputs import load_inputs, photo_loader
from vksync.models import SyncRun
from vksync.selectors import settings_for

log = logging.getLogger(__name__)

TRANSIENT_FAILURE = "VK временно недоступен"
INTERNAL_FAILURE = "Внутренняя ошибка EvoSync: синхронизация прервана, следующая продолжит с того же места"


class SyncNotPossible(Exception):
    """The merchant lacks a working VK connection (or community): nothing can be synced."""


def run_sync(
    *,
    merchant,
    trigger: str = SyncRun.Trigger.MANUAL,
    run: SyncRun | None = None,
    dry_run=False,
    confirmed=False,
    budget_seconds: float | None = None,
    slice_number: int = 1,
) -> SyncRun | None:
    """Run one sync for the merchant now; None when another run holds the merchant (it is marked dirty).

    A dry run plans and records the plan without writing to VK. With `budget_seconds` the run works one slice:
    it starts no step the rest of the budget cannot hold (the re-plan included), stops at a safe point and stays
    running, `between_slices` (the caller queues its next slice: `slice_number` + 1). Slice 2 and later continue a
    running run; nothing asked of the merchant in its first slice (the first plan's confirmation, the brake) is
    asked again. Without a budget, to the end.
    """
    clock = Slice(budget_seconds)
    if slice_number > 1:
        return _next_slice(run, clock=clock, slice_number=slice_number)
    run = run or runs.new_run(merchant=merchant, trigger=trigger, dry_run=dry_run)
    with runs.merchant_sync_lock(merchant, run) as acquired:
        if not acquired or not runs.claim(run):
            triggers.mark_pending(merchant, run.trigger)
            runs.drop_unclaimed(run)
            return None
        _execute_guarded(run, dry_run=dry_run, confirmed=confirmed, clock=clock, number=1)
    run.refresh_from_db()
    return run


def _next_slice(run: SyncRun, *, clock: Slice, slice_number: int) -> SyncRun | None:
    """A running run's next slice; None when it cannot be taken up (taken already, or the run is over)."""
    with runs.merchant_sync_lock(run.merchant, run) as acquired:
        if not acquired or not runs.claim_slice(run, slice_number):
            return None
        _execute_guarded(run, dry_run=False, confirmed=True, clock=clock, number=slice_number)
    run.refresh_from_db()
    return run


def _less(deadline: float | None, seconds: float) -> float | None:
    """The deadline less `seconds` kept for later steps — at most half of what is left: the pictures learnt, the
    slice's headway, must not shrink to one a slice on a pace measured badly."""
    if deadline is None:
        return None
    return deadline - min(seconds, max(0.0, deadline - time.monotonic()) / 2)


def _execute_guarded(run: SyncRun, **options) -> None:
    try:
        _execute(run, **options)
    except Exception:
        _fail_after_crash(run)
        raise


def _execute(run: SyncRun, *, dry_run: bool, confirmed: bool, clock: Slice, number: int) -> None:
    merchant, used, deadline = run.merchant, [], clock.deadline

    def work(client) -> None:
        # Run again from the top after a token refresh: reading, planning and applying are idempotent.
        used.append(client)
        started = time.monotonic()
        with clock.stage("vk_read"):
            _read_vk_shop_if_needed(run, client, connection, first_slice=number == 1)
        read_at = time.monotonic()
        runs.heartbeat(run)
        with clock.stage("plan", step=True):
            sync_settings = settings_for(merchant)
            inputs = load_inputs(merchant=merchant, sync_settings=sync_settings, group_id=connection.group_id)
            plan = inputs.plan()
        seconds = {"read": round(read_at - started, 3), "plan": round(time.monotonic() - read_at, 3)}
        runs.record_planning_seconds(run, time.monotonic() - started)
        log.info("sync planned", extra={"run_id": run.pk, "seconds": seconds, "writes": plan.writes, "slice": number})
        headway = learnt > 0 or run.writes_left is None or plan.writes < run.writes_left
        _finish_plan(
            run,
            plan,
            inputs,
            dry_run=dry_run,
            confirmed=confirmed,
            sync_settings=sync_settings,
            client=client,
            connection=connection,
            deadline=_slice_deadline(run, plan, deadline, number=number, headway=headway),
            more_to_learn=pictures_left,
            clock=clock,
        )

    try:
        connection = usable_vk_connection(merchant)
        if number == 1:  # «Синхронизировать сейчас» reads Evotor once per run, not once per slice
            with clock.stage("evotor_read"):
                _read_evotor_first(run)
        # The re-plan and the first batch are part of this slice: the pictures leave room for them.
        with clock.stage("pictures"):
            learnt, pictures_left = _learn_pictures(run, _less(deadline, runs.seconds_after_pictures(run, BATCH)))
        run_with_vk(connection=connection, action=work)  # a permanent error marks the connection broken
    except SyncNotPossible as error:
        _fail(run, str(error))
    except VkConnectionBroken as error:
        _fail(run, f"Подключение VK не работает: {error.reason}")
    except VkRateLimitReached:
        runs.close(run, SyncRun.Status.STOPPED, "VK исчерпал дневной лимит запросов: продолжим позже")
    except VkTransientError as error:
        _fail(run, f"{TRANSIENT_FAILURE}: {error}", transient=True)
    except VkError as error:
        _fail(run, f"VK не ответил: {getattr(error, 'reason', '') or error}")
    finally:
        runs.record_requests(run, used)
        waited = round(sum(client.waited for client in used), 3)
        log.info("sync slice ended", extra={"run_id": run.pk, "slice": number, "rate_waits": waited, **clock.report()})


def _slice_deadline(run: SyncRun, plan, deadline: float | None, *, number: int, headway: bool) -> float | None:
    """The slice's deadline, unless the run makes no headway: its plan holds no fewer writes than the previous
    slice's and no picture was learnt (each slice sends at least one batch; writes VK keeps refusing could
    otherwise fill slice after slice). Then this slice goes to the end."""
    runs.record_writes_left(run, plan.writes)
    if deadline is not None and number > 1 and not headway:
        log.info("slice makes no headway: the run goes to the end", extra={"run_id": run.pk, "writes": plan.writes})
        return None
    return deadline


def _finish_plan(
    run,
    plan,
    inputs,
    *,
    dry_run,
    confirmed,
    sync_settings,
    client,
    connection,
    deadline=None,
    more_to_learn=False,
    clock: Slice | None = None,
) -> None:
    # The count of what goes to VK and why the rest does not, as the plan saw the catalog (shown with the plan);
    # a later slice keeps the first slice's plan: the merchant was shown the whole run's.
    if run.slices <= 1:
        runs.record_plan(
            run,
            {
                **plan.summary(),
                "cards": variants.card_work(plan.operations),  # the dry run lists the cards it would change
                "count": vk_count(merchant=run.merchant, sync_settings=sync_settings).as_dict(),
            },
        )
    if dry_run:
        return runs.close(run, SyncRun.Status.DONE)
    if not confirmed and not sync_settings.enabled:
        return runs.close(
            run, SyncRun.Status.NEEDS_CONFIRMATION, "Проверьте план первой синхронизации и подтвердите его"
        )
    if not confirmed and plan.brake:
        share = round(float(plan.brake_limit) * 100)
        of_items = plural(plan.shop_size, "товара", "товаров", "товаров")  # «из 21 товара», «из 5 товаров»
        reason = f"Синхронизация скрыла бы {plan.leaving} из {plan.shop_size} {of_items} (больше {share}%): подтвердите"
        if not runs.waited_for_confirmation_before(run):  # one mail, not one per trigger
            notifications.plan_waits_for_confirmation(merchant_id=run.merchant_id, reason=reason)
        return runs.close(run, SyncRun.Status.NEEDS_CONFIRMATION, reason)
    counts = apply_plan(
        plan=plan,
        run=run,
        client=client,
        group_id=connection.group_id,
        load_photo=photo_loader(connection.merchant, inputs.photo_sources),
        default_sha=inputs.default_sha,
        photo_bulk_files=0 if connection.photo_bulk_refused_at else settings.VK_PHOTO_BULK_FILES,
        on_bulk_refused=lambda error: remember_photo_bulk_refused(connection=connection),
        deadline=deadline,
        more_to_come=more_to_learn,
        clock=clock,
    )
    mark_ok(connection=connection)
    if not counts.finished or more_to_learn:  # the slice's time is used: the next plans again from the cache
        return runs.end_slice(run)
    runs.close(run, SyncRun.Status.DONE)
    if counts.cards_separated:  # VK refused cards: one more run sends their items separate, values in the name
        triggers.mark_pending(run.merchant, SyncRun.Trigger.RETRY)
    return None


def _read_vk_shop_if_needed(run: SyncRun, client, connection, *, first_slice: bool = True) -> None:
    """Read the whole VK shop into the cache unless the cache can be trusted as it is (`vkshop.writes`).

    Items deleted by hand and items of a crashed run are then seen, not guessed. The cache is trusted when every
    write since the last full read is in it and that read is under a day old; «Синхронизировать сейчас» reads
    the shop anyway (the merchant may have changed it by hand), in its first slice. This run holds the merchant's
    sync lock, so no write of theirs overlaps the read, and the read makes the cache trusted."""
    merchant, group_id = run.merchant, connection.group_id
    reason = "sync now" if run.trigger == SyncRun.Trigger.MANUAL and first_slice else ""
    reason = reason or shop_writes.needs_full_read(merchant=merchant, group_id=group_id)
    if not reason:
        log.info("sync plans from the VK shop cache", extra={"run_id": run.pk})
        return
    version = shop_writes.read_version(merchant=merchant, group_id=group_id)
    pages = read_vk_shop(client, group_id, expected_items=cached_items(merchant=merchant, group_id=group_id))
    stored = store_vk_shop(merchant=merchant, group_id=group_id, pages=pages, read_version=version, exclusive=True)
    if stored is None:  # cannot happen under the sync lock; if it did, no plan is built on a doubtful cache
        raise VkTransientError("the VK shop changed while it was read")
    log.info("VK shop read whole", extra={"run_id": run.pk, "reason": reason, "items": len(pages.items)})


def _read_evotor_first(run: SyncRun) -> None:
    """«Синхронизировать сейчас» is pressed to send what the register holds now: the catalog is read from Evotor
    first (without announcing it — this run is the sync the announcement would ask for). A read that fails
    leaves the cached catalog to sync from; the catalog pages say why the read failed."""
    if run.trigger != SyncRun.Trigger.MANUAL:
        return
    result = refresh_catalog(merchant=run.merchant, announce=False)
    if not result.ok:
        log.info("sync from the cached catalog", extra={"run_id": run.pk, "refresh": result.status})
    runs.heartbeat(run)


def _learn_pictures(run: SyncRun, deadline: float | None) -> tuple[int, bool]:
    """Every picture of a published product is read from Evotor before the plan (a refresh reads only so many):
    no item goes to VK with the default picture while its own are unknown. One that cannot be read now (Evotor
    busy) keeps its item waiting; the plan says how many wait. A slice reads as many as its time allows (the
    items whose pictures are still unknown wait for the next slice). Returns how many products were checked, and
    whether some were left for the next slice."""
    result = learn_pictures(merchant=run.merchant, deadline=deadline)
    if result.images_checked or not result.ok:
        log.info("pictures learnt before the plan", extra={"run_id": run.pk, "checked": result.images_checked})
    runs.heartbeat(run)
    return result.images_checked, result.images_left


def _fail_after_crash(run: SyncRun) -> None:
    """Close a run that crashed — on a new database connection when the crash took the old one with it: a run
    left "running" would hold the merchant until it went stale, with no sync meanwhile."""
    try:
        _fail(run, INTERNAL_FAILURE)
    except DatabaseError:
        database.close()
        _fail(run, INTERNAL_FAILURE)


def _fail(run: SyncRun, reason: str, *, transient: bool = False) -> None:
    if runs.fail(run, reason, transient=transient):
        notifications.sync_failed_twice(merchant_id=run.merchant_id, reason=reason, run_id=run.pk)


def usable_vk_connection(merchant) -> VkConnection:
    """The merchant's VK connection when it can be used (a token, a community, not broken); else SyncNotPossible."""
    connection = VkConnection.objects.filter(merchant=merchant).first()
    if connection is None or not connection.access_token or not connection.group_id:
        raise SyncNotPossible("VK не подключён: подключите сообщество на странице «Подключения»")
    if connection.status == VkConnection.Status.BROKEN:
        raise SyncNotPossible(f"Подключение VK не работает: {connection.last_error or 'проверьте его'}")
    return connection
