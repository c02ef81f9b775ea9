"""Refresh the cache of the merchant's VK shop (albums, items, which item is in which album).

Reads market.getAlbums (≤ 100 a call) and market.get (extended, hidden items included, ≤ 200
a call), packing the page reads into `execute` (25 to a request while VK's answer is not too big), so a
shop of 4,800 items costs one request and one of 10,000 two;
upserts in bulk and removes cache rows of items and albums that no longer exist in VK.
"""

import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.core.cache import cache
from django.db import OperationalError, transaction
from django.db import connection as db_connection
from django.utils import timezone

from accounts.selectors import merchants_in_service
from connections.models import VkConnection
from connections.vk.client import EXECUTE_LIMIT, VkCall, VkClient
from connections.vk.errors import VkConnectionBroken, VkError
from connections.vk.services import run_with_vk
from core.upsert import insert_models, upsert_models
from vkshop import writes
from vkshop.models import VkAlbum, VkItem, VkItemInAlbum
from vkshop.signals import claimed_by_others

logger = logging.getLogger(__name__)

ITEMS_PER_CALL = 200
ALBUMS_PER_CALL = 100
LOCK_SECONDS = 3600
DEADLOCK, DEADLOCK_ATTEMPTS = 1213, 3  # MySQL/MariaDB "Deadlock found when trying to get lock"


@dataclass(frozen=True)
class VkShopRefresh:
    albums: int
    items: int
    removed_items: int
    requests: int
    stored: bool = True  # False: a sync wrote to the shop while it was read, so this read was not kept


@dataclass(frozen=True)
class VkShopPages:
    albums: list[dict]
    items: list[dict]


def _ok(result):
    if not result.ok:
        raise result.error
    return result.response


def read_vk_shop(client: VkClient, group_id: int, *, expected_items: int = 0) -> VkShopPages:
    """Every album and item (hidden ones too) of the community's shop.

    The first request reads the albums and as many item pages as the shop had (`expected_items`, from the
    cache) plus one, so a shop that did not grow is read in as few requests as its pages allow; what is
    left follows, as many pages to an `execute` as VK answers (`VkClient.read_batch`)."""
    owner_id = -group_id
    # need_variants: the items of a VK card are listed too, were VK to list only a card's main item.
    item_page = {"owner_id": owner_id, "count": ITEMS_PER_CALL, "extended": 1, "with_disabled": 1, "need_variants": 1}
    guessed = min(EXECUTE_LIMIT - 1, math.ceil(max(expected_items, 0) / ITEMS_PER_CALL) + 1)
    first = client.read_batch(
        [VkCall("market.getAlbums", {"owner_id": owner_id, "count": ALBUMS_PER_CALL, "offset": 0})]
        + [VkCall("market.get", {**item_page, "offset": page * ITEMS_PER_CALL}) for page in range(guessed)]
    )
    first_albums, item_pages = _ok(first[0]), [_ok(result) for result in first[1:]]
    rest = [
        VkCall("market.getAlbums", {"owner_id": owner_id, "count": ALBUMS_PER_CALL, "offset": offset})
        for offset in range(ALBUMS_PER_CALL, first_albums["count"], ALBUMS_PER_CALL)
    ] + [
        VkCall("market.get", {**item_page, "offset": offset})
        for offset in range(guessed * ITEMS_PER_CALL, item_pages[0]["count"], ITEMS_PER_CALL)
    ]
    albums, items = list(first_albums["items"]), [item for page in item_pages for item in page["items"]]
    variants = [variant for page in item_pages for variant in page.get("variants", [])]
    for call, result in zip(rest, client.read_batch(rest), strict=True):
        (albums if call.method == "market.getAlbums" else items).extend(_ok(result)["items"])
        variants.extend(_ok(result).get("variants", []) if call.method == "market.get" else [])
    listed = {i["id"]: i for i in items}
    listed.update({v["id"]: v for v in variants if v["id"] not in listed})
    return VkShopPages(albums=list({a["id"]: a for a in albums}.values()), items=list(listed.values()))


def _when(unix) -> datetime | None:
    return datetime.fromtimestamp(int(unix), tz=UTC) if unix else None


def _roubles(hundredths) -> Decimal | None:
    return (Decimal(str(hundredths)) / 100).quantize(Decimal("0.01")) if hundredths not in (None, "") else None


def album_row(merchant, group_id: int, data: dict, now) -> VkAlbum:
    return VkAlbum(
        merchant=merchant,
        group_id=group_id,
        vk_id=data["id"],
        title=data.get("title", "")[:255],
        count=data.get("count") or 0,
        is_main=bool(data.get("is_main")),
        is_hidden=bool(data.get("is_hidden")),
        updated_time=_when(data.get("updated_time")),
        refreshed_at=now,
    )


def item_row(merchant, group_id: int, data: dict, now) -> VkItem:
    price = data.get("price") or {}
    photos = data.get("photos") or []
    return VkItem(
        merchant=merchant,
        group_id=group_id,
        vk_id=data["id"],
        title=data.get("title", "")[:255],
        description=data.get("description", ""),
        price=_roubles(price.get("amount")) or Decimal(0),
        old_price=_roubles(price.get("old_amount")),
        sku=(data.get("sku") or "")[:64],
        availability=data.get("availability") or 0,
        category_id=(data.get("category") or {}).get("id"),
        stock_amount=data.get("stock_amount"),
        album_ids=list(data.get("albums_ids") or []),
        photo_ids=[p["id"] for p in photos if "id" in p],
        thumb_photo=(data.get("thumb_photo") or "")[:1000],
        date=_when(data.get("date")),
        reject_info=data.get("reject_info"),
        refreshed_at=now,
    )


def store_vk_shop(
    *, merchant, group_id: int, pages: VkShopPages, read_version: int | None = None, exclusive: bool = False
) -> tuple[int, int] | None:
    """Upsert the albums and items read from VK; drop what VK no longer has. Returns (items, removed), or None
    when the read is not kept: `read_version` (`writes.read_version` before the read) moved meanwhile, so a
    sync's writes overlapped it. `exclusive`: the caller holds the merchant's sync lock (see `vkshop.writes`).

    On MariaDB two merchants' stores at the same moment can deadlock on index gap locks (error 1213,
    seen in `make bench`'s two_merchants phase): InnoDB rolls one back, and the store, being idempotent,
    is run again — at most DEADLOCK_ATTEMPTS times, and only when no outer transaction would be lost.

    Items and albums other merchants of the same community made are left out (vkshop.signals)."""
    pages = _without_others(merchant=merchant, group_id=group_id, pages=pages)
    for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
        try:
            return _store_vk_shop(
                merchant=merchant, group_id=group_id, pages=pages, read_version=read_version, exclusive=exclusive
            )
        except OperationalError as error:
            if error.args[:1] != (DEADLOCK,) or attempt == DEADLOCK_ATTEMPTS or db_connection.in_atomic_block:
                raise
            logger.warning("VK shop store of merchant %s deadlocked; attempt %d", merchant.pk, attempt + 1)
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _without_others(*, merchant, group_id: int, pages: VkShopPages) -> VkShopPages:
    item_ids, album_ids = set(), set()
    for _receiver, (items, albums) in claimed_by_others.send(sender=VkShopPages, merchant=merchant, group_id=group_id):
        item_ids |= set(items)
        album_ids |= set(albums)
    if not item_ids and not album_ids:
        return pages
    return VkShopPages(
        albums=[album for album in pages.albums if album["id"] not in album_ids],
        items=[item for item in pages.items if item["id"] not in item_ids],
    )


@transaction.atomic
def _store_vk_shop(*, merchant, group_id: int, pages: VkShopPages, read_version, exclusive) -> tuple[int, int] | None:
    if not writes.lock_for_store(merchant=merchant, group_id=group_id, version=read_version, exclusive=exclusive):
        return None
    now = timezone.now()
    unique = ["merchant", "group_id", "vk_id"]  # the cache is per merchant: a refresh never rewrites another's rows
    upsert_models(VkAlbum, [album_row(merchant, group_id, a, now) for a in pages.albums], unique)
    upsert_models(VkItem, [item_row(merchant, group_id, i, now) for i in pages.items], unique)
    VkAlbum.objects.filter(merchant=merchant).exclude(group_id=group_id, refreshed_at=now).delete()
    _, deleted = VkItem.objects.filter(merchant=merchant).exclude(group_id=group_id, refreshed_at=now).delete()
    writes.forget_other_communities(merchant=merchant, group_id=group_id)  # their rows went just above
    VkItemInAlbum.objects.filter(group_id=group_id, item__merchant=merchant).delete()
    ids = dict(VkItem.objects.filter(merchant=merchant, group_id=group_id).values_list("vk_id", "pk"))
    memberships = [
        VkItemInAlbum(item_id=ids[i["id"]], group_id=group_id, album_vk_id=album_id)
        for i in pages.items
        for album_id in set(i.get("albums_ids") or [])
    ]
    insert_models(VkItemInAlbum, memberships)
    return len(pages.items), deleted.get(VkItem._meta.label, 0)


def refresh_vk_shop(*, merchant) -> VkShopRefresh | None:
    """Read the merchant's VK shop and refresh the cache; None when the merchant has no working VK connection
    or another refresh of it is running.

    Raises VkConnectionBroken (the connection is marked broken) and the other VkError kinds."""
    connection = VkConnection.objects.filter(merchant=merchant, group_id__isnull=False).first()
    if connection is None or connection.status != VkConnection.Status.OK:
        # Only a connection whose check passed (its token administers the community's shop) may fill the cache.
        return None
    lock = f"vkshop:refresh-shop:{merchant.pk}"
    if not cache.add(lock, 1, LOCK_SECONDS):
        logger.info("VK shop refresh for merchant %s is already running", merchant.pk)
        return None
    try:
        client_box = {}

        def read(client: VkClient) -> VkShopPages:
            client_box["client"] = client
            return read_vk_shop(client, group_id, expected_items=cached_items(merchant=merchant, group_id=group_id))

        group_id = connection.group_id
        version = writes.read_version(merchant=merchant, group_id=group_id)
        pages = run_with_vk(connection=connection, action=read)
        stored = store_vk_shop(merchant=merchant, group_id=group_id, pages=pages, read_version=version)
    finally:
        cache.delete(lock)
    requests = client_box["client"].request_count
    if stored is None:
        logger.info("VK shop of merchant %s read while a sync wrote to it: not kept", merchant.pk)
        return VkShopRefresh(len(pages.albums), len(pages.items), 0, requests, stored=False)
    items, removed = stored
    logger.info("VK shop of merchant %s refreshed: %d items, %d removed", merchant.pk, items, removed)
    return VkShopRefresh(albums=len(pages.albums), items=items, removed_items=removed, requests=requests)


def cached_items(*, merchant, group_id: int) -> int:
    """How many items of the community the cache holds (how many pages the next read should expect)."""
    return VkItem.objects.filter(merchant=merchant, group_id=group_id).count()


def refreshable_connections():
    """The VK connections whose shop the cache holds: a community, not broken, its merchant in service."""
    return (
        VkConnection.objects.filter(group_id__isnull=False, merchant__in=merchants_in_service())
        .exclude(status=VkConnection.Status.BROKEN)
        .order_by("merchant_id")
    )


def kept_by_writes(*, merchant) -> bool:
    """A sync keeps the merchant's shop in the cache from its own writes (the hourly read is not needed)."""
    connection = VkConnection.objects.filter(merchant=merchant, group_id__isnull=False).first()
    return connection is not None and writes.kept_by_writes(merchant=merchant, group_id=connection.group_id)


def refresh_all_vk_shops(*, everyone: bool = False) -> dict[str, int]:
    """Refresh the connected VK shops; one merchant's failure never stops the others.

    Hourly, a shop a sync keeps in the cache from its own writes waits for its daily full read (`vkshop.writes`);
    `everyone` (the daily reconcile) reads every shop whole, so hand edits in VK reach the cache."""
    summary = {"refreshed": 0, "failed": 0, "skipped": 0}
    for connection in refreshable_connections().select_related("merchant").iterator():
        if not everyone and writes.kept_by_writes(merchant=connection.merchant, group_id=connection.group_id):
            summary["skipped"] += 1
            continue
        try:
            done = refresh_vk_shop(merchant=connection.merchant)
        except VkConnectionBroken as exc:
            logger.warning("VK shop of merchant %s not refreshed: %s", connection.merchant_id, exc.reason)
            summary["failed"] += 1
        except VkError as exc:
            logger.warning("VK shop of merchant %s not refreshed: %s", connection.merchant_id, exc)
            summary["failed"] += 1
        except Exception:  # noqa: BLE001 - an unexpected failure of one merchant never stops the others
            logger.exception("VK shop of merchant %s not refreshed", connection.merchant_id)
            summary["failed"] += 1
        else:
            summary["refreshed" if done else "skipped"] += 1
    return summary
