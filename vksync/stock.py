"""The stock-and-price push: after a stock recheck, only the products it names get a `market.edit` of their
price, crossed-out price, availability (`deleted`) and stock — no shop read, no plan, no creates, no albums or
photos; 25 edits per `execute`. It is a run like any other (`SyncRun`, trigger «stock»): claimed under the
merchant's lock, so it never races a full sync; it follows a full run that holds the merchant.

A product without a live VK item (not published, not created yet, failed) is left to the full sync.
What a link records as pushed moves only when VK is known to hold everything: the edit sends the stock part
alone, so the new hash is recorded only when the link held the hash of the same item before the stock moved.
"""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import DatabaseError
from django.db import connection as database
from django.utils import timezone

from catalog.selectors import published_products
from connections.state import mark_ok
from connections.vk.client import VkCall
from connections.vk.errors import (
    VkConnectionBroken,
    VkError,
    VkRateLimitReached,
    VkTransientError,
    breaks_connection,
    reason_in_words,
)
from connections.vk.services import run_with_vk
from vksync import runs
from vksync.applying.items import ITEM_GONE
from vksync.engine import SyncNotPossible, usable_vk_connection
from vksync.inputs import PRODUCT_FIELDS, default_photo
from vksync.models import ProductLink, SyncItemError, SyncRun
from vksync.reserved import less_reserved, reserved_units
from vksync.rules import Rules, item_fields, pushed_hash
from vksync.selectors import settings_for

log = logging.getLogger(__name__)
STOCK_PARAMS = ("price", "old_price", "deleted", "stock_amount")
LIVE = (ProductLink.State.ACTIVE, ProductLink.State.HIDDEN)
FAILED = "Не удалось передать остатки и цены в VK"


@dataclass(frozen=True)
class StockEdit:
    """One item's stock-and-price edit, and the hash to record when VK takes it."""

    link_id: int
    product_name: str
    call: VkCall
    hidden: bool
    new_hash: str  # "" when the link was not in step before: the full sync still owes it an edit


def push_stock(*, merchant, before: dict) -> SyncRun | None:
    """Push the stock and price of the products in `before` ({product pk: values before the recheck}).

    None when another run holds the merchant (the task tries again after it)."""
    run = runs.new_run(merchant=merchant, trigger=SyncRun.Trigger.STOCK)
    with runs.merchant_sync_lock(merchant, run) as acquired:
        if not acquired or not runs.claim(run):
            runs.drop_unclaimed(run)
            return None
        try:
            _push(run, before)
        except Exception:
            _close_after_crash(run)
            raise
    run.refresh_from_db()
    return run


def _push(run: SyncRun, before: dict) -> None:
    used = []
    try:
        connection = usable_vk_connection(run.merchant)
        edits = stock_edits(merchant=run.merchant, group_id=connection.group_id, before=before)
        runs.record_plan(run, {"stock": len(edits), "named": len(before), "writes": len(edits)})
        if edits:

            def send(client):
                used.append(client)
                results = client.batch([edit.call for edit in edits])
                for result in results:  # inside the action: run_with_vk marks the connection broken
                    if not result.ok and breaks_connection(result.error.code):
                        raise VkConnectionBroken(result.error.code, reason_in_words(result.error))
                return results

            _record(run, edits, run_with_vk(connection=connection, action=send))
        mark_ok(connection=connection)
        runs.close(run, SyncRun.Status.DONE)
    except SyncNotPossible as error:
        runs.close(run, SyncRun.Status.FAILED, str(error))
    except VkConnectionBroken as error:
        runs.close(run, SyncRun.Status.FAILED, f"Подключение VK не работает: {error.reason}")
    except VkRateLimitReached:
        runs.close(run, SyncRun.Status.STOPPED, "VK исчерпал дневной лимит запросов: остатки передаст следующая")
    except VkTransientError as error:
        runs.close(run, SyncRun.Status.FAILED, f"{FAILED}: VK временно недоступен ({error})", transient=True)
    except VkError as error:
        runs.close(run, SyncRun.Status.FAILED, f"{FAILED}: {getattr(error, 'reason', '') or error}")
    finally:
        runs.record_requests(run, used)


def stock_edits(*, merchant, group_id: int, before: dict) -> list[StockEdit]:
    """The edits owed: published products with a live item in this community whose pushed item differs.
    The stock sent is the register's less what open VK orders hold back (`vksync.reserved`)."""
    ids = [int(pk) for pk in before]
    links = {
        link.product_id: link
        for link in ProductLink.objects.filter(
            merchant=merchant, product_id__in=ids, group_id=group_id, state__in=LIVE, vk_item_id__isnull=False
        )
    }
    if not links:
        return []
    sync_settings = settings_for(merchant)
    rules = Rules.from_settings(sync_settings)
    default_sha, _ = default_photo(sync_settings)
    reserved = reserved_units(merchant_id=merchant.pk, product_ids=links)
    edits = []
    for row in published_products(merchant=merchant).filter(pk__in=links).values(*PRODUCT_FIELDS):
        link = links[row["id"]]
        product = less_reserved(row, reserved)
        photo_sha = product["image_hash"] if product["image_url"] and product["image_hash"] else default_sha
        fields = item_fields(product, rules)
        new_hash = pushed_hash(fields, photo_sha)
        if link.pushed_hash == new_hash:
            continue  # VK holds it already (a repeated notice, or a full sync pushed it)
        earlier_values = less_reserved({**row, **_values(before.get(str(row["id"])))}, reserved)
        earlier = item_fields(earlier_values, rules)
        in_step = link.pushed_hash == pushed_hash(earlier, photo_sha) and link.photo_hash == photo_sha
        params = {"owner_id": -group_id, "item_id": link.vk_item_id}
        params |= {name: fields[name] for name in STOCK_PARAMS if name in fields}
        if "old_price" in earlier and "old_price" not in fields:
            params["old_price"] = 0  # the crossed-out price is gone
        call = VkCall("market.edit", params)
        edits.append(StockEdit(link.pk, product["name"], call, bool(fields["deleted"]), new_hash if in_step else ""))
    return edits


def _values(stored: dict | None) -> dict:
    stored = stored or {}
    values = {}
    for name in ("price", "quantity"):
        if name in stored:
            values[name] = Decimal(stored[name])
    if "allow_to_sell" in stored:
        values["allow_to_sell"] = stored["allow_to_sell"] in (True, "True", "true", "1")
    return values


def _record(run: SyncRun, edits: list[StockEdit], results: list) -> None:
    now = timezone.now()
    updated = hidden = failed = 0
    for edit, result in zip(edits, results, strict=True):
        link = ProductLink.objects.filter(pk=edit.link_id)
        if result.ok:
            fields = {"state": "hidden" if edit.hidden else "active", "last_error": "", "last_error_code": None}
            fields["hidden_at"] = now if edit.hidden else None
            if edit.new_hash:
                fields["pushed_hash"] = edit.new_hash
            link.update(updated_at=now, **fields)
            hidden += edit.hidden
            updated += not edit.hidden
            continue
        error = result.error
        failed += 1
        if error.code == ITEM_GONE:  # deleted by hand in VK: the full sync creates it again
            link.update(pushed_hash="", updated_at=now)
            continue
        link.update(last_error=reason_in_words(error), last_error_code=error.code, updated_at=now)
        SyncItemError.objects.create(
            run=run,
            merchant=run.merchant,
            link_id=edit.link_id,
            product_name=edit.product_name[:255],
            operation="stock",
            code=error.code,
            reason=reason_in_words(error),
        )
    SyncRun.objects.filter(pk=run.pk).update(updated=updated, hidden=hidden, failed=failed)


def _close_after_crash(run: SyncRun) -> None:
    try:
        runs.close(run, SyncRun.Status.FAILED, FAILED)
    except DatabaseError:
        database.close()
        runs.close(run, SyncRun.Status.FAILED, FAILED)


def has_live_items(*, merchant, before: dict) -> bool:
    """Whether any of these products has an item in VK (else a push would have nothing to edit)."""
    ids = [int(pk) for pk in before]
    return ProductLink.objects.filter(
        merchant=merchant, product_id__in=ids, state__in=LIVE, vk_item_id__isnull=False
    ).exists()
