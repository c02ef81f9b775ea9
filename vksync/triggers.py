"""Every way a sync is asked for, and the debounce.

Button, admin, schedule, a catalog change (a refresh, Evotor's push), `manage.py`, a confirmation, a retry:
all go through `request_sync`. A trigger that arrives during a run marks the merchant dirty and exactly one
more run follows (`run_pending`), labelled with the trigger that asked for it.

Before the first sync (the sync is off until the merchant confirms a plan) the first plan computes itself:
the choice of stores and groups, a VK community connected or the start's button asks `request_first_plan`, whose
run reads the VK shop, plans and stops for the confirmation; a catalog change then computes it again, and the
newer plan replaces the one still waiting.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from vksync import runs
from vksync.audit_trail import record_confirmation, record_started
from vksync.counts import vk_count
from vksync.models import ProductLink, SyncRun, SyncSettings
from vksync.selectors import first_sync_done, merchants_to_sync, settings_for, vk_connected
from vksync.setup import readiness

log = logging.getLogger(__name__)

# What catalog_changed's sender says → how the run is labelled.
CATALOG_TRIGGERS = {"refresh": SyncRun.Trigger.REFRESH, "webhook": SyncRun.Trigger.WEBHOOK}


def request_sync(*, merchant, trigger: str, confirmed: bool = False, countdown: int = 0) -> SyncRun | None:
    """Queue a sync unless one is already waiting; during a running sync, mark the merchant dirty.

    Returns the queued run (new or already waiting), or None when the merchant was marked dirty.
    """
    from vksync.tasks import sync_merchant

    settings_for(merchant)
    waiting = runs.waiting_run(merchant)
    if waiting and not confirmed:
        return waiting
    if runs.live_run_exists(merchant):  # one more follows it
        mark_pending(merchant, trigger)
        record_started(merchant=merchant, run=None, trigger=trigger)
        return None
    run = runs.new_run(merchant=merchant, trigger=trigger)
    record_started(merchant=merchant, run=run, trigger=trigger)
    transaction.on_commit(
        lambda: sync_merchant.apply_async(
            kwargs={"merchant_id": merchant.pk, "run_id": run.pk, "confirmed": confirmed}, countdown=countdown
        )
    )
    return run


def mark_pending(merchant, trigger: str) -> None:
    """A trigger came while another run held the merchant: one more run follows that one."""
    SyncSettings.objects.filter(merchant=merchant).update(dirty=True, pending_trigger=trigger)


def run_pending(*, merchant) -> SyncRun | None:
    """After a run: when a trigger came during it, run exactly once more, under that trigger's name."""
    pending = SyncSettings.objects.filter(merchant=merchant, dirty=True)
    trigger = pending.values_list("pending_trigger", flat=True).first()
    if trigger is None or not pending.update(dirty=False):
        return None
    return request_sync(merchant=merchant, trigger=trigger or SyncRun.Trigger.WEBHOOK)


def catalog_changed(*, merchant, trigger: str) -> SyncRun | None:
    """The Evotor catalog moved: sync once for a burst of changes, SYNC_DEBOUNCE_SECONDS after the first.

    Before the first sync, a plan already asked for (by the choice, VK connected, a button) is computed again
    instead: the catalog it counted moved. After the merchant switched the sync off, nothing happens."""
    if not vk_connected(merchant):
        return None
    if not settings_for(merchant).enabled:
        asked = SyncRun.objects.filter(merchant=merchant).exists()
        return request_first_plan(merchant=merchant, trigger=trigger) if asked and first_plan_wanted(merchant) else None
    return request_sync(merchant=merchant, trigger=trigger, countdown=settings.SYNC_DEBOUNCE_SECONDS)


def first_plan_wanted(merchant) -> bool:
    """Before the first sync, once nothing is missing (Evotor, VK, a choice with products for VK)."""
    if first_sync_done(merchant):
        return False
    return not readiness(merchant=merchant, count=vk_count(merchant=merchant)).blocker


def request_first_plan(*, merchant, trigger: str = SyncRun.Trigger.MANUAL, countdown: int = 0) -> SyncRun | None:
    """Compute the first sync's plan now: the run reads the VK shop, plans and stops for the merchant's
    confirmation (the sync is off until then). A plan already waiting is replaced: what it counted has moved."""
    runs.replace_waiting_plans(merchant)
    return request_sync(merchant=merchant, trigger=trigger, countdown=countdown)


def on_catalog_changed(sender, *, merchant, trigger: str = "webhook", **kwargs) -> None:
    """Receiver of catalog.signals.catalog_changed (a catalog refresh finished, or Evotor pushed a change)."""
    try:
        catalog_changed(merchant=merchant, trigger=CATALOG_TRIGGERS.get(trigger, SyncRun.Trigger.WEBHOOK))
    except Exception:  # noqa: BLE001 - a sync that cannot be queued must never break the sender
        log.exception("could not queue a sync after a catalog change", extra={"merchant_id": merchant.pk})


def on_stock_changed(sender, *, merchant, before: dict, **kwargs) -> None:
    """Receiver of catalog.signals.stock_changed: push those products' stock and price (after the merchant's
    first sync; a full sync already waiting to start reads the new stock itself and absorbs it)."""
    from vksync.stock import has_live_items
    from vksync.tasks import push_stock

    try:
        if not before or not vk_connected(merchant) or not settings_for(merchant).enabled:
            return
        if runs.waiting_run(merchant) is not None or not has_live_items(merchant=merchant, before=before):
            return
        transaction.on_commit(lambda: push_stock.delay(merchant_id=merchant.pk, before=before))
    except Exception:  # noqa: BLE001 - a push that cannot be queued must never break the recheck
        log.exception("could not queue a stock push", extra={"merchant_id": merchant.pk})


def on_vk_connected(sender, *, merchant_id: int, **kwargs) -> None:
    """Receiver of connections.signals.vk_connected: the first plan may be computed now (on commit)."""
    _first_plan_soon(merchant_id, countdown=0)


def on_selection_changed(sender, *, merchant_id: int, **kwargs) -> None:
    """Receiver of catalog.signals.selection_changed: the first plan, once the catalog has been read again for
    the pictures of what was picked (CATALOG_SELECTION_REFRESH_DELAY_SECONDS; that refresh replans if sooner)."""
    _first_plan_soon(merchant_id, countdown=settings.CATALOG_SELECTION_REFRESH_DELAY_SECONDS + FIRST_PLAN_MARGIN)


FIRST_PLAN_MARGIN = 15  # seconds after the selection's refresh is due, for it to finish


def _first_plan_soon(merchant_id: int, *, countdown: int) -> None:
    """Before the first sync, with nothing missing: compute the plan the merchant is to confirm."""
    try:
        merchant = get_user_model().objects.get(pk=merchant_id)
        if not settings_for(merchant).enabled and first_plan_wanted(merchant):
            request_first_plan(merchant=merchant, trigger=SyncRun.Trigger.MANUAL, countdown=countdown)
    except Exception:  # noqa: BLE001 - a plan that cannot be queued must never undo what the merchant saved
        log.exception("could not queue the first plan", extra={"merchant_id": merchant_id})


def sync_all_shops() -> int:
    """Queue a sync for every merchant in service whose sync is on and VK connected; returns how many."""
    asked = 0
    for merchant in merchants_to_sync().iterator():
        if vk_connected(merchant):
            request_sync(merchant=merchant, trigger=SyncRun.Trigger.SCHEDULE)
            asked += 1
    return asked


def confirm_plan(*, merchant) -> SyncRun | None:
    """The merchant saw the plan and agreed: sync is switched on and the run goes past the brake once."""
    record_confirmation(merchant=merchant, first=not first_sync_done(merchant))
    # made here when no run made it yet: an UPDATE of no row would leave the sync off
    SyncSettings.objects.update_or_create(merchant=merchant, defaults={"enabled": True})
    runs.close_waiting_for_confirmation(merchant)
    return request_sync(merchant=merchant, trigger=SyncRun.Trigger.CONFIRM, confirmed=True)


def retry_item(*, merchant, link: ProductLink) -> SyncRun | None:
    """Push one failed item again on the next run (its hash is forgotten, so the plan includes it)."""
    ProductLink.objects.filter(pk=link.pk, merchant=merchant).update(
        pushed_hash="", last_error="", last_error_code=None
    )
    return request_sync(merchant=merchant, trigger=SyncRun.Trigger.RETRY)
