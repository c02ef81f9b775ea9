"""One sync run from start to end, stage after stage:

claim (runs) → read the VK shop into the cache (vkshop) when the cache cannot be trusted → load the inputs
(inputs) → plan (planning, pure) → stop at the brake or for the first confirmation → apply (applying, which
writes VK's answers into the cache) → close the run (runs) → tell the merchant when they must act
(notifications). Every failure ends the run with its reason in words.
"""

import logging

from django.conf import settings
from django.db import DatabaseError
from django.db import connection as database

from catalog.selectors import catalog_being_read
from catalog.services import RefreshResult, learn_pictures, refresh_catalog
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
from vksync.counts import vk_count
from vksync.inputs import item_maker, load_inputs, photo_loader
from vksync.models import SyncRun
from vksync.run_catalog import catalog_for_slice
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
    clock: Slice | None = None,
    slice_number: int = 1,
) -> SyncRun | None:
    """Run one sync for the merchant now; None when another run holds the merchant (it is marked dirty).

    A dry run plans and records the plan without writing to VK. With a budget (`budget_seconds`, or a `clock`: the
    Celery task's slice, `core.slices`) the run works one slice: it plans, sends what the slice's deadline holds,
    learns the pictures Evotor has not told yet with the time left (not in its first slice: that one ends after its
    writes, so a wave of new runs all start soon), stops at a safe point and stays running,
    `between_slices` (the caller queues its next slice: `slice_number` + 1). Slice 2 and later continue a running
    run; nothing asked of the merchant in the slice that first planned (the first plan's confirmation, the brake)
    is asked again. A large catalog is read over the run's first slices (`vksync.run_catalog`), once a run.
    Without a budget, to the end (the pictures learnt first).
    """
    clock = clock or Slice(budget_seconds)
    if slice_number > 1:
        return _next_slice(run, clock=clock, slice_number=slice_number, confirmed=confirmed)
    run = run or runs.new_run(merchant=merchant, trigger=trigger, dry_run=dry_run)
    if _waits_for_catalog(run, clock):  # as if another run held the merchant: the task tries again soon
        runs.drop_unclaimed(run)
        return None
    with runs.merchant_sync_lock(merchant, run) as acquired:
        if not acquired or not runs.claim(run):
            triggers.mark_pending(merchant, run.trigger)
            runs.drop_unclaimed(run)
            return None
        _execute_guarded(run, dry_run=dry_run, confirmed=confirmed, clock=clock, number=1)
    run.refresh_from_db()
    return run


def _next_slice(run: SyncRun, *, clock: Slice, slice_number: int, confirmed: bool) -> SyncRun | None:
    """A running run's next slice; None when it cannot be taken up (taken already, or the run is over). A run that
    has planned was past the confirmation and the brake then; one whose first slices only read the catalog plans
    now, as its first slice would have (`confirmed` as the run was asked for)."""
    with runs.merchant_sync_lock(run.merchant, run) as acquired:
        if not acquired or not runs.claim_slice(run, slice_number):
            return None
        confirmed = confirmed or bool(run.plan_summary)
        _execute_guarded(run, dry_run=run.dry_run, confirmed=confirmed, clock=clock, number=slice_number)
    run.refresh_from_db()
    return run


def _waits_for_catalog(run: SyncRun, clock: Slice) -> bool:
    """A run in a worker's slice does not plan from a catalog a refresh is still reading (cut at its own slice's
    deadline: `catalog.services`); «Синхронизировать сейчас» reads the catalog to its end itself."""
    if clock.deadline is None or (run.trigger == SyncRun.Trigger.MANUAL and run.slices == 0):
        return False
    return catalog_being_read(merchant=run.merchant)


def _execute_guarded(run: SyncRun, **options) -> None:
    try:
        _execute(run, **options)
    except Exception:
        _fail_after_crash(run)
        raise


def _execute(run: SyncRun, *, dry_run: bool, confirmed: bool, clock: Slice, number: int) -> None:
    merchant, used, read = run.merchant, [], []

    def work(client) -> None:
        # Run again from the top after a token refresh: reading, planning and applying are idempotent.
        used.append(client)
        with clock.stage("vk_read"):
            read.append(_read_vk_shop_if_needed(run, client, connection, first_slice=number == 1))
        runs.heartbeat(run)
        sync_settings = settings_for(merchant)
        maker = item_maker(merchant=merchant, sync_settings=sync_settings, group_id=connection.group_id)
        catalog = catalog_for_slice(run=run, merchant=merchant, maker=maker, clock=clock)
        if catalog is None:  # the catalog is read on in the next slice: a safe point, nothing planned or sent
            clock.stop()
            return runs.end_slice(run, learnt=True)
        size = len(catalog.desired) / 1000 if clock.deadline is not None else 1.0
        worked = any(read) or "catalog" in clock.spent  # this slice read before it planned
        if worked and (number > 1 or confirmed) and not dry_run and not clock.fits("plan", size=size):
            # The plan would not end in time after the reads: the next slice plans first (a plan always goes then).
            log.info("sync plans in the next slice", extra={"run_id": run.pk, "slice": number})
            clock.stop()  # a safe point: nothing was planned, nothing sent
            return runs.end_slice(run)
        with clock.stage("plan", step=True, size=size):
            group_id = connection.group_id
            inputs = load_inputs(
                merchant=merchant, sync_settings=sync_settings, group_id=group_id, maker=maker, catalog=catalog
            )
            plan = inputs.plan()
        log.info("sync planned", extra={"run_id": run.pk, "writes": plan.writes, "slice": number})
        _keep_headway(run, plan, clock, number=number)
        _finish_plan(
            run,
            plan,
            inputs,
            dry_run=dry_run,
            confirmed=confirmed,
            sync_settings=sync_settings,
            client=client,
            connection=connection,
            clock=clock,
            more_to_learn=clock.deadline is not None and plan.pictures_pending > 0,
            fresh=not worked,  # nothing read before the plan: the slice's first write goes anyway
            first_slice=number == 1,
        )

    if number > 1 and _waits_for_catalog(run, clock):  # the next slice comes once a slice's time has passed
        log.info("sync waits for the catalog read", extra={"run_id": run.pk, "slice": number})
        clock.stop()
        clock.resume_in = settings.SYNC_SLICE_SECONDS
        return runs.end_slice(run, learnt=True)
    try:
        connection = usable_vk_connection(merchant)
        if number == 1:  # «Синхронизировать сейчас» reads Evotor once per run, not once per slice
            with clock.stage("evotor_read"):
                read.append(_read_evotor_first(run, clock))
        if clock.deadline is None:  # to the end: every picture is learnt first, and one plan sends everything
            _learn_pictures(run, clock)
        elif number > 1 and run.pictures_next:  # the last slice could send nothing: this one learns, unplanned
            return _learning_slice(run, clock)
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
        waits = round(sum(client.waited for client in used), 3)
        log.info("sync slice ended", extra={"run_id": run.pk, "slice": number, "rate_waits": waits, **clock.report()})


def _keep_headway(run: SyncRun, plan, clock: Slice, *, number: int) -> None:
    """The slice keeps its deadline unless the run makes no headway: its plan holds no fewer writes than the
    previous slice's, which learnt no picture (each slice sends at least one batch; writes VK keeps refusing, or
    pictures Evotor cannot tell now, could otherwise fill slice after slice). Then this slice goes to the end, its
    items waiting for pictures left for the next run."""
    headway = run.writes_left is None or plan.writes < run.writes_left
    runs.record_writes_left(run, plan.writes)
    if clock.deadline is not None and number > 1 and not headway:
        log.info("slice makes no headway: the run goes to the end", extra={"run_id": run.pk, "writes": plan.writes})
        clock.lift()


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
    clock: Slice,
    more_to_learn: bool = False,
    fresh: bool = True,
    first_slice: bool = False,
) -> None:
    # The count of what goes to VK and why the rest does not, as the plan saw the catalog (shown with the plan);
    # a later slice keeps the first slice's plan: the merchant was shown the whole run's.
    shown = run.slices <= 1 or not run.plan_summary  # the first slice's plan, or the first planned
    if shown:
        with clock.stage("plan_shown"):
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
    # Counting what goes to VK for the plan shown takes a large shop's slice seconds too (1.9 s under load, after
    # which a first write that went anyway ended past the deadline): then even the first write is judged.
    fresh = fresh and not shown
    # `more_to_learn`: a sliced run learns the pictures Evotor has not told yet at each slice's end; until the
    # last, whole batches go (`apply_plan`).
    counts = apply_plan(
        plan=plan,
        run=run,
        client=client,
        group_id=connection.group_id,
        load_photo=photo_loader(connection.merchant, inputs.photo_sources),
        default_sha=inputs.default_sha,
        photo_bulk_files=0 if connection.photo_bulk_refused_at else settings.VK_PHOTO_BULK_FILES,
        on_bulk_refused=lambda error: remember_photo_bulk_refused(connection=connection),
        clock=clock,
        more_to_come=more_to_learn,
        first_write_judged=not fresh,
    )
    mark_ok(connection=connection)
    if not counts.finished:  # the slice's time is used: the next plans again from the cache
        # After the reads even the first write may have waited: the next slice, fresh, sends it (no lack of headway)
        return runs.end_slice(run, learnt=not fresh and not counts.calls)
    if more_to_learn and first_slice:  # fresh work first: the run has started and sent what it could; its
        return runs.end_slice(run, pictures_next=True)  # pictures are learnt in the next slice, behind the others
    if more_to_learn:  # the next slice sends the items whose pictures this one learns, and the last stages
        learnt = _learn_pictures(run, clock, at_least_one=False)  # with the time left: one that sent nothing
        return runs.end_slice(run, learnt=learnt, pictures_next=not counts.calls)  # is followed by a learning one
    runs.close(run, SyncRun.Status.DONE)
    if counts.cards_separated:  # VK refused cards: one more run sends their items separate, values in the name
        triggers.mark_pending(run.merchant, SyncRun.Trigger.RETRY)
    return None


def _read_vk_shop_if_needed(run: SyncRun, client, connection, *, first_slice: bool = True) -> bool:
    """Read the whole VK shop into the cache unless the cache can be trusted as it is (`vkshop.writes`).

    Items deleted by hand and items of a crashed run are then seen, not guessed. The cache is trusted when every
    write since the last full read is in it and that read is under a day old; «Синхронизировать сейчас» reads
    the shop anyway (the merchant may have changed it by hand), in its first slice. This run holds the merchant's
    sync lock, so no write of theirs overlaps the read, and the read makes the cache trusted. Whether it read."""
    merchant, group_id = run.merchant, connection.group_id
    reason = "sync now" if run.trigger == SyncRun.Trigger.MANUAL and first_slice else ""
    reason = reason or shop_writes.needs_full_read(merchant=merchant, group_id=group_id)
    if not reason:
        log.info("sync plans from the VK shop cache", extra={"run_id": run.pk})
        return False
    version = shop_writes.read_version(merchant=merchant, group_id=group_id)
    pages = read_vk_shop(client, group_id, expected_items=cached_items(merchant=merchant, group_id=group_id))
    stored = store_vk_shop(merchant=merchant, group_id=group_id, pages=pages, read_version=version, exclusive=True)
    if stored is None:  # cannot happen under the sync lock; if it did, no plan is built on a doubtful cache
        raise VkTransientError("the VK shop changed while it was read")
    log.info("VK shop read whole", extra={"run_id": run.pk, "reason": reason, "items": len(pages.items)})
    return True


def _read_evotor_first(run: SyncRun, clock: Slice) -> bool:
    """«Синхронизировать сейчас» is pressed to send what the register holds now: the catalog is read from Evotor
    first (without announcing it — this run is the sync the announcement would ask for; its picture checks keep to
    the slice's deadline). A read that fails leaves the cached catalog to sync from; the catalog pages say why the
    read failed. Whether it read."""
    if run.trigger != SyncRun.Trigger.MANUAL:
        return False
    result = refresh_catalog(merchant=run.merchant, announce=False, clock=clock, whole=True)
    if not result.ok:
        log.info("sync from the cached catalog", extra={"run_id": run.pk, "refresh": result.status})
    runs.heartbeat(run)
    return True


def _learning_slice(run: SyncRun, clock: Slice) -> None:
    """A slice that only learns pictures. The next one learns on, unplanned, while this one learnt some, some are
    left, and fewer than SYNC_PICTURES_BEFORE_PLAN were learnt since the last plan; then a slice plans and sends
    the items whose pictures are known."""
    result = _learn(run, clock)
    learnt = run.pictures_learnt + result.images_checked
    more = bool(result.images_checked and result.images_left) and learnt < settings.SYNC_PICTURES_BEFORE_PLAN
    headway = bool(result.images_checked or result.images_left)
    runs.end_slice(run, learnt=headway, pictures_next=more, pictures_learnt=learnt)


def _learn_pictures(run: SyncRun, clock: Slice, *, at_least_one: bool = True) -> bool:
    """`_learn`: whether some pictures were learnt or are left for the next slice."""
    result = _learn(run, clock, at_least_one=at_least_one)
    return bool(result.images_checked or result.images_left)


def _learn(run: SyncRun, clock: Slice, *, at_least_one: bool = True):
    """Every picture of a published product is read from Evotor before its item goes (a refresh reads only so
    many): no item goes to VK with the default picture while its own are unknown. One that cannot be read now
    (Evotor busy) keeps its item waiting; the plan says how many wait. Without a deadline all are read before the
    plan; in a slice, after its writes, while the next check fits before the deadline (the items whose pictures
    are learnt go in the next slice). What was learnt (`catalog.services.RefreshResult`)."""
    if not at_least_one and not clock.fits("picture_check"):
        return RefreshResult(
            merchant_id=run.merchant_id
        )  # the slice's time is used: not even the query of what to check
    with clock.stage("pictures"):
        result = learn_pictures(merchant=run.merchant, clock=clock, at_least_one=at_least_one)  # stops the clock
    if result.images_checked or not result.ok:
        log.info("pictures learnt", extra={"run_id": run.pk, "checked": result.images_checked})
    if clock.deadline is None:  # a slice's end says it is alive anyway
        runs.heartbeat(run)
    return result


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
