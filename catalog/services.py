"""Catalog writes: the refresh from Evotor (bulk upserts, vanished rows marked removed) and the sync switches.

Over 300 lines on purpose: the refresh is one job, read top to bottom (the public entry points,
then its steps in order: stores, groups, products, pictures); split, its steps would share
RefreshResult and the upsert helpers across modules. The two switches are short writes beside it.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connections, router
from django.utils import timezone

from accounts.selectors import merchants_in_service
from catalog import thumbnails
from catalog.models import CatalogRead, Product, ProductGroup, Store
from catalog.parsing import content_hash, group_fields, product_fields, store_fields
from catalog.search import search_text_of
from catalog.selectors import catalog_read_stale_before, pictures_to_check
from catalog.signals import catalog_changed
from connections.evotor.client import (
    EvotorClient,
    EvotorError,
    EvotorRequestError,
    EvotorStoreUnavailable,
    EvotorTransientError,
    EvotorWaitPastDeadline,
)
from connections.models import EvotorConnection
from connections.state import mark_ok, note_failed_attempt, record_error
from core.locks import merchant_lock
from core.slices import Slice
from core.upsert import bulk_set, bulk_upsert

logger = logging.getLogger(__name__)

BATCH = 1000
CHUNK = 200  # products written at a time: a read may stop between two chunks (a slice's deadline)
STORE_UPDATE_FIELDS = ["name", "address", "evotor_updated_at", "removed", "removed_at", "refreshed_at"]
GROUP_UPDATE_FIELDS = [
    "store_id",
    "name",
    "parent_evotor_id",
    "attributes",
    "evotor_updated_at",
    "removed",
    "removed_at",
    "refreshed_at",
]
PRODUCT_UPDATE_FIELDS = [
    "store_id", "group_id", "name", "parent_evotor_id", "type", "code", "barcodes", "price", "cost_price", "quantity",
    "measure_name", "tax", "allow_to_sell", "description", "article_number", "extra", "evotor_updated_at",
    "content_hash", "search_text", "removed", "removed_at", "refreshed_at",
]  # fmt: skip

Progress = Callable[[str], None]


@dataclass
class RefreshResult:
    """What one merchant's refresh did. `status`: ok, skipped, busy, broken (token refused) or failed."""

    merchant_id: int
    status: str = "ok"
    error: str = ""
    stores: int = 0
    stores_skipped: int = 0
    groups: int = 0
    products: int = 0
    created: int = 0
    changed: int = 0
    removed: int = 0
    restored: int = 0
    images_checked: int = 0
    images_downloaded: int = 0
    images_left: bool = False  # the deadline came before every picture was checked
    requests: int = 0
    skipped_store_ids: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def transient(self) -> bool:
        """Failed for a reason that may pass (429, 5xx, network): worth retrying soon."""
        return self.status == "failed"

    def summary(self) -> str:
        if self.status != "ok":
            return f"{self.status}: {self.error}"
        return (
            f"магазинов {self.stores} (пропущено {self.stores_skipped}), групп {self.groups}, товаров {self.products}: "
            f"новых {self.created}, изменено {self.changed}, удалено {self.removed}, вернулось {self.restored}; "
            f"картинок проверено {self.images_checked}, скачано {self.images_downloaded}; запросов {self.requests}"
        )


def refresh_catalog(
    *,
    merchant,
    progress: Progress | None = None,
    announce: bool = True,
    clock: Slice | None = None,
    whole: bool = False,
) -> RefreshResult:
    """Read the merchant's whole Evotor catalog into the cache, under a per-merchant lock.

    `announce=False`: the caller is the sync that a good refresh would ask for, so `catalog_changed` is not sent.
    With a `clock` (a worker task's slice, `core.slices`) the read stops between two steps (a page of products
    fetched, a chunk of its rows written) once the next would not end before the deadline: the status is then
    `reading` and a `CatalogRead` says where the next task goes on (a sync waits meanwhile: a half-read catalog is
    never planned from); `whole` reads to the end anyway. The picture checks, after the read, keep to the deadline
    too; `images_left` then tells the caller to check the rest in a next task (`learn_pictures`)."""
    result = RefreshResult(merchant_id=merchant.pk)
    connection = EvotorConnection.objects.filter(merchant=merchant).first()
    if connection is None or not connection.token or not connection.installed:
        result.status, result.error = "skipped", "Эвотор не подключён или приложение удалено."
        return result
    lock_seconds = settings.CATALOG_REFRESH_LOCK_SECONDS
    with merchant_lock("catalog-refresh", merchant.pk, timeout=lock_seconds) as acquired:
        if not acquired:
            result.status, result.error = "busy", "Каталог этого продавца уже обновляется."
            return result
        client, clock = EvotorClient(connection.token), clock or Slice()
        read = _read_to_go_on(merchant, announce=announce)
        announce = read.announce
        try:
            with clock.stage("catalog_read"):
                done = _read_catalog(merchant, client, read, result, progress or _quiet, Slice() if whole else clock)
            if done:
                with clock.stage("pictures"):
                    _refresh_images(merchant, client, result, clock=clock, at_least_one=False)
            else:
                result.status = "reading"
        except EvotorError as exc:
            if record_error(connection=connection, error=exc):
                CatalogRead.objects.filter(merchant=merchant).delete()  # no token: no read goes on
                result.status, result.error = "broken", exc.reason
            else:  # a retry goes on from where the read stopped
                logger.warning("catalog refresh failed", extra={"merchant_id": merchant.pk, "status": exc.status})
                note_failed_attempt(connection=connection, reason=exc.reason)
                result.status, result.error = "failed", exc.reason
        else:
            mark_ok(connection=connection)
        finally:
            result.requests = client.request_count
    logger.info("catalog refreshed", extra={"merchant_id": merchant.pk, "result": result.status, **clock.report()})
    if result.ok and announce:  # whoever keeps a shop in step with the catalog (vksync) hears of it
        catalog_changed.send(sender=refresh_catalog, merchant=merchant, trigger="refresh")
    return result


def learn_pictures(*, merchant, clock: Slice | None = None, at_least_one: bool = True) -> RefreshResult:
    """Check every published product whose pictures are not known yet, however many (at Evotor's pace) — or, with
    a `clock` (a task's slice), as many as fit before its deadline (each as long as the longest check so far), and
    with `at_least_one` one anyway (the task's headway).

    A refresh checks at most CATALOG_IMAGE_CHECKS_PER_REFRESH; a sync calls this before it plans, so no item
    goes to VK with the default picture while its own pictures are unknown. Says `busy` when a refresh holds
    the catalog (that refresh checks them)."""
    result = RefreshResult(merchant_id=merchant.pk)
    connection = EvotorConnection.objects.filter(merchant=merchant).first()
    if connection is None or not connection.token or not connection.installed:
        result.status, result.error = "skipped", "Эвотор не подключён или приложение удалено."
        return result
    with merchant_lock("catalog-refresh", merchant.pk, timeout=settings.CATALOG_REFRESH_LOCK_SECONDS) as acquired:
        if not acquired:
            result.status, result.error = "busy", "Каталог этого продавца уже обновляется."
            return result
        client = EvotorClient(connection.token)
        try:
            _refresh_images(merchant, client, result, limit=0, clock=clock or Slice(), at_least_one=at_least_one)
        except EvotorError as exc:
            result.status, result.error = "failed", exc.reason
        finally:
            result.requests = client.request_count
    return result


def refreshable_merchants():
    """Merchants (not suspended) whose Evotor connection has a token, the app installed, and was not refused."""
    connected = EvotorConnection.objects.filter(installed=True).exclude(token="").exclude(status="broken")
    return merchants_in_service().filter(pk__in=connected.values("merchant_id"))


def refresh_all_catalogs(progress: Progress | None = None) -> list[RefreshResult]:
    """Refresh every connected merchant; one merchant's failure never stops the others."""
    results = []
    for merchant in refreshable_merchants().iterator():
        try:
            results.append(refresh_catalog(merchant=merchant, progress=progress))
        except Exception:  # noqa: BLE001 - a bug with one merchant's data must not stop the rest
            logger.exception("catalog refresh crashed", extra={"merchant_id": merchant.pk})
            results.append(RefreshResult(merchant_id=merchant.pk, status="failed", error="Внутренняя ошибка."))
    return results


def set_store_sync(*, store: Store, enabled: bool) -> Store:
    """Publish the store in VK or stop; the catalog is read again soon (pictures of what was picked), then synced."""
    if store.sync_enabled != enabled:
        store.sync_enabled = enabled
        store.save(update_fields=["sync_enabled"])
        _selection_changed(store.merchant_id)
    return store


def set_group_sync(*, group: ProductGroup, enabled: bool) -> ProductGroup:
    """Publish the group (and the groups below it) or stop; like set_store_sync."""
    if group.sync_enabled != enabled:
        group.sync_enabled = enabled
        group.save(update_fields=["sync_enabled"])
        _selection_changed(group.merchant_id)
    return group


def _selection_changed(merchant_id: int) -> None:
    from catalog.signals import selection_changed
    from catalog.triggers import on_selection_changed

    on_selection_changed(merchant_id=merchant_id)
    selection_changed.send(sender=Store, merchant_id=merchant_id)


# ----- the refresh, step by step ---------------------------------------------------------------


def _quiet(message: str) -> None:
    pass


def _upsert(model, rows: list[dict], update_fields: list[str]) -> None:
    """INSERT … ON CONFLICT/DUPLICATE KEY UPDATE in batches of BATCH rows."""
    connection = connections[router.db_for_write(model)]
    _lift_sqlite_parameter_limit(connection)
    bulk_upsert(model, rows, unique=["merchant", "evotor_id"], update=update_fields, batch_size=BATCH)


def _lift_sqlite_parameter_limit(connection) -> None:
    """Django 5.2 assumes SQLite's old 999-parameter limit (40 products per INSERT); ask SQLite for the real one."""
    if connection.vendor != "sqlite" or getattr(connection.features, "_evosync_limit_read", False):
        return
    import sqlite3

    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    connection.features.max_query_params = max(connection.features.max_query_params, min(limit, 100_000))
    connection.features._evosync_limit_read = True


def _mark_removed(queryset, evotor_ids: list[str], now) -> None:
    for start in range(0, len(evotor_ids), BATCH):
        queryset.filter(evotor_id__in=evotor_ids[start : start + BATCH]).update(removed=True, removed_at=now)


def _read_to_go_on(merchant, *, announce: bool) -> CatalogRead:
    """The read a task before this one cut at its deadline, or a new one (not saved: only a cut read is). A read
    silent for CATALOG_READ_STALE_SECONDS (its worker died, its retries ran out) starts over."""
    read = CatalogRead.objects.filter(merchant=merchant).first()
    if read is None or read.updated_at < catalog_read_stale_before():
        if read is not None:
            read.delete()
        return CatalogRead(merchant=merchant, started_at=timezone.now(), announce=announce)
    read.announce = read.announce or announce  # a refresh that would have announced the end still does
    return read


def _read_catalog(merchant, client: EvotorClient, read: CatalogRead, result: RefreshResult, progress, clock) -> bool:
    """The stores (a new read's first step), then store after store, each from where `read` says; whether the
    read ended (False: cut at the clock's deadline, `read` saved for the next task)."""
    cut = _Cut(clock)
    if read.pk is None:
        stores = _refresh_stores(merchant, client, read.started_at)
        read.stores_left = [store.evotor_id for store in stores]
        cut.step()
    else:
        stores = Store.objects.filter(merchant=merchant, evotor_id__in=[read.store_evotor_id, *read.stores_left])
    stores = {store.evotor_id: store for store in stores}
    while read.store_evotor_id or read.stores_left:
        if not read.store_evotor_id:
            read.store_evotor_id, read.stores_left = read.stores_left[0], read.stores_left[1:]
            read.groups_read, read.cursor, read.page_offset, read.seen = False, "", 0, []
        store = stores.get(read.store_evotor_id)
        try:
            if store is not None and not _read_store(merchant, client, store, read, result, progress, cut):
                read.save()
                return False
        except EvotorStoreUnavailable:
            # 402: the app is not paid for / installed on this store's devices. Expected; say it quietly.
            logger.debug("store skipped (402)", extra={"merchant_id": merchant.pk, "store_id": store.pk})
            result.stores_skipped += 1
            result.skipped_store_ids.append(store.evotor_id)
            progress(f"{store.name}: пропущен (402)")
        except EvotorRequestError as error:
            if error.status != 404:
                raise
            # Deleted in Evotor since the read listed the stores (a cut read's tasks may be minutes apart): its
            # products stay as they are, and the next read's list of stores marks it removed.
            logger.info("store gone during the read", extra={"merchant_id": merchant.pk, "store_id": store.pk})
            progress(f"{store.name}: удалён в Эвоторе во время чтения")
        else:
            result.stores += 1
        read.store_evotor_id = ""
    if read.pk is not None:
        read.delete()
    return True


class _Cut:
    """Where a read may stop: before a step that would not end before the clock's deadline — never before the
    task's first step (each task makes headway)."""

    def __init__(self, clock: Slice):
        self.clock, self.steps = clock, 0

    def step(self) -> None:
        self.steps += 1

    def goes(self, seconds: float) -> bool:
        if self.steps and not self.clock.holds(seconds):
            self.clock.stop()  # a safe point: what follows (the read saved, the next task queued) is the closing
            return False
        return True


def _refresh_stores(merchant, client: EvotorClient, now) -> list[Store]:
    """Upsert the stores; the vanished ones marked removed. The others, in the order they are read."""
    data = [s for s in client.stores() if s.get("id")]
    fresh = {"merchant_id": merchant.pk, "removed": False, "removed_at": None, "refreshed_at": now}
    rows = [{**fresh, "evotor_id": s["id"], "sync_enabled": False, **store_fields(s)} for s in data]
    _upsert(Store, rows, STORE_UPDATE_FIELDS)
    seen = {s["id"] for s in data}
    known = Store.objects.filter(merchant=merchant, removed=False).values_list("evotor_id", flat=True)
    _mark_removed(Store.objects.filter(merchant=merchant), [i for i in known if i not in seen], now)
    return list(Store.objects.filter(merchant=merchant, evotor_id__in=seen).order_by("name"))


def _read_store(merchant, client, store: Store, read: CatalogRead, result: RefreshResult, progress, cut) -> bool:
    """The store's groups (at its start), then its products page by page in chunks of CHUNK rows, from where
    `read` says; the products not seen by the end are marked removed. Whether the store was read to its end."""
    now, clock = read.started_at, cut.clock
    if not read.groups_read:
        if not cut.goes(clock.expected("catalog_groups")):
            return False
        with clock.stage("catalog_groups", step=True):
            _refresh_groups(merchant, client, store, result, now)
        read.groups_read = True
        cut.step()
    group_ids = dict(ProductGroup.objects.filter(store=store, removed=False).values_list("evotor_id", "pk"))
    existing = {
        evotor_id: (digest, removed, group_id)
        for evotor_id, digest, removed, group_id in Product.objects.filter(merchant=merchant, store=store).values_list(
            "evotor_id", "content_hash", "removed", "group_id"
        )
    }
    seen = set(read.seen)
    while True:
        rows_after = clock.expected("catalog_rows") * CHUNK / 100
        if not cut.goes(clock.expected("catalog_page") + rows_after):
            break
        with clock.stage("catalog_page", step=True):
            page, next_cursor = client.product_page(store.evotor_id, read.cursor)  # headway with its first chunk
        while read.page_offset < len(page) and cut.goes(rows_after):
            chunk = page[read.page_offset : read.page_offset + CHUNK]
            with clock.stage("catalog_rows", step=True, size=len(chunk) / 100):
                rows = _product_rows(merchant, store, chunk, existing, seen, group_ids, result, now)
                _upsert(Product, rows, PRODUCT_UPDATE_FIELDS)
            cut.step()
            read.page_offset += len(chunk)
            result.products += len(chunk)
            rows_after = clock.expected("catalog_rows") * CHUNK / 100
        if read.page_offset < len(page):
            break
        progress(f"{store.name}: товаров прочитано {len(seen)}")
        if not next_cursor:
            vanished = [i for i, (_d, removed, _g) in existing.items() if not removed and i not in seen]
            _mark_removed(Product.objects.filter(merchant=merchant, store=store), vanished, now)
            result.removed += len(vanished)
            return True
        if next_cursor == read.cursor:
            raise EvotorTransientError("Эвотор прислал ту же страницу товаров ещё раз.")
        read.cursor, read.page_offset = next_cursor, 0
    read.seen = sorted(seen)
    return False


def _product_rows(merchant, store, chunk, existing, seen, group_ids, result: RefreshResult, now) -> list[dict]:
    """The rows to upsert for a chunk of Evotor's products: new or changed ones only (an unchanged one: no write)."""
    fresh = {
        "merchant_id": merchant.pk, "store_id": store.pk, "removed": False, "removed_at": None, "refreshed_at": now,
        "images": [], "image_url": "", "image_hash": "", "image_checked_hash": "", "thumbnail": "",
    }  # fmt: skip  # the picture's fields: set on insert only (not in the update list)
    rows = []
    for data in chunk:
        evotor_id = data.get("id")
        if not evotor_id or evotor_id in seen:
            continue
        seen.add(evotor_id)
        fields = product_fields(data)
        digest = content_hash(fields)
        group_id = group_ids.get(fields["parent_evotor_id"])
        before = existing.get(evotor_id)
        if before == (digest, False, group_id):
            continue  # unchanged: no write at all
        if before is None:
            result.created += 1
        elif before[1]:
            result.restored += 1
        else:
            result.changed += 1
        search = search_text_of(name=fields["name"], code=fields["code"], barcodes=fields["barcodes"])
        rows.append(
            {**fresh, "group_id": group_id, "evotor_id": evotor_id, "content_hash": digest, "search_text": search}
            | fields
        )
    return rows


def _refresh_groups(merchant, client, store: Store, result: RefreshResult, now) -> None:
    """Upsert the store's groups; the vanished ones marked removed."""
    data = [g for page in client.product_group_pages(store.evotor_id) for g in page if g.get("id")]
    fresh = {
        "merchant_id": merchant.pk,
        "store_id": store.pk,
        "removed": False,
        "removed_at": None,
        "refreshed_at": now,
    }
    rows = [{**fresh, "evotor_id": g["id"], "sync_enabled": True, **group_fields(g)} for g in data]
    _upsert(ProductGroup, rows, GROUP_UPDATE_FIELDS)
    result.groups += len(rows)
    seen = {g["id"] for g in data}
    groups = ProductGroup.objects.filter(merchant=merchant, store=store)
    gone = [i for i, removed in groups.values_list("evotor_id", "removed") if not removed and i not in seen]
    _mark_removed(groups, gone, now)


def _refresh_images(
    merchant,
    client: EvotorClient,
    result: RefreshResult,
    *,
    clock: Slice,
    limit: int | None = None,
    at_least_one: bool = True,
) -> None:
    """Pictures cost a request per product: only for products going to VK, and only when they changed. A refresh
    checks at most `limit` (the rest wait for the next); in a task's slice (`clock`) only while the next check, as
    long as the longest so far, ends before its deadline — the first anyway `at_least_one` — and a judged check's
    answer is awaited only until the deadline (given up there, the product is checked by the next task). Each check
    is a step of the clock ("picture_check")."""
    # Changed since the last check, or a picture known before thumbnails existed (read once more for one).
    # A refresh also reads again, within its limit, the pictures checked longest ago: Evotor's product list
    # does not say when only a picture changed. A sync's `learn_pictures` (limit 0) reads only what it must.
    again = timezone.now() - timedelta(seconds=settings.CATALOG_IMAGE_RECHECK_SECONDS) if limit is None else None
    stale = (
        pictures_to_check(merchant=merchant, checked_before=again)
        .select_related("store")
        .only("id", "evotor_id", "content_hash", "images", "image_url", "image_hash", "thumbnail", "store__evotor_id")
    )
    limit = settings.CATALOG_IMAGE_CHECKS_PER_REFRESH if limit is None else limit
    checked = []
    client.wait_until = clock.deadline  # no check waits for the token's turn past the deadline
    try:
        for product in stale[:limit] if limit else stale.iterator(chunk_size=1000):
            judged = bool(checked) or not at_least_one
            if judged and not clock.fits("picture_check"):  # it would not end in time
                result.images_left = True
                break
            client.read_until = clock.deadline if judged else None  # a slow answer is given up at the deadline
            started = time.monotonic()
            try:
                images = client.product_images(product.store.evotor_id, product.evotor_id)
                _apply_images(client, product, images, result)
            except EvotorStoreUnavailable:
                continue
            except EvotorRequestError:
                _apply_images(client, product, [], result)  # e.g. 404 (gone since the scan)
            checked.append(product)
            if len(checked) % 500 == 0:  # a long check keeps what it learnt, should it be cut short
                _save_pictures(checked[-500:])
            clock.took("picture_check", time.monotonic() - started)
    except EvotorWaitPastDeadline as error:  # the token's turn comes after the deadline: the next task waits for it
        result.images_left, clock.resume_in = True, max(clock.resume_in, error.wait)
    except EvotorTransientError:
        logger.info("image checks paused", extra={"merchant_id": merchant.pk, "checked": len(checked)})
    finally:
        client.wait_until = client.read_until = None
        clock.stop()  # a safe point: what follows is the task's closing
        _save_pictures(checked[len(checked) - len(checked) % 500 :])
        result.images_checked += len(checked)


def _save_pictures(products: list[Product]) -> None:
    """The checked products' pictures, in one statement (`bulk_set`: the task's closing stays short)."""
    fields = ["images", "image_url", "image_hash", "image_checked_hash", "images_checked_at", "thumbnail"]
    bulk_set(Product, products, fields)


def _apply_images(client: EvotorClient, product: Product, images: list[dict], result: RefreshResult) -> None:
    """Every picture of the product in Evotor's order, each downloaded once (a URL names one picture's bytes)."""
    stamps = {
        str(i["url"])[:1000]: str(i.get("updated_at") or "") for i in images if isinstance(i, dict) and i.get("url")
    }
    known = {  # a picture is downloaded again only when its address is new or Evotor changed it since
        entry["url"]: entry["sha"]
        for entry in product.images or []
        if entry.get("url")
        and entry.get("sha")
        and entry.get("updated_at", stamps.get(entry["url"])) == stamps.get(entry["url"])
    }
    pictures, first_bytes = [], None
    for url in list(stamps)[: settings.CATALOG_IMAGES_PER_PRODUCT]:
        sha, data = known.get(url), None
        if not sha or (not pictures and (url != product.image_url or not product.thumbnail)):
            try:
                data = client.download(url)
            except EvotorRequestError as error:  # too big for Evotor's bound: the others still go
                logger.info("product picture not downloaded", extra={"product_id": product.pk, "reason": error.reason})
                continue
            sha = hashlib.sha256(data).hexdigest()
            result.images_downloaded += 1
        if not pictures:
            first_bytes = data
        pictures.append(
            {"url": url, "sha": sha, "updated_at": stamps[url]} if stamps[url] else {"url": url, "sha": sha}
        )
    product.images = pictures
    if not pictures:
        product.image_url, product.image_hash, product.thumbnail = "", "", ""
    elif first_bytes is not None:
        product.image_url, product.image_hash = pictures[0]["url"], pictures[0]["sha"]
        product.thumbnail = thumbnails.save(image_hash=product.image_hash, data=first_bytes)
    product.image_checked_hash, product.images_checked_at = product.content_hash, timezone.now()
