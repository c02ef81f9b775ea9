"""apply_plan: carry out a plan through VK `execute` batches, writing each answer to the mapping at once.

Order: albums, photos, items (create/edit/hide/delete), album membership, album deletions.
Every answer is written as soon as it comes; item batches go out one at a time, the next one sent while
the previous answer is written, so a crash forgets at most two batches — and those items carry our sku,
so the next run adopts them instead of duplicating. Pictures are downloaded and posted to VK's upload
server and saved in helper threads (vksync/photo_uploads.py) while the item links are written.
"""

import contextlib
import contextvars
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from connections.vk import VkCall, VkConnectionBroken
from core.upsert import bulk_set
from vksync import planning as p
from vksync.photo_uploads import PhotoUploads
from vksync.sync_models import AlbumLink, ProductLink, SyncItemError, SyncRun, VkPhoto

log = logging.getLogger(__name__)

BATCH = 25
PROGRESS_EVERY_SECONDS = 1.0
# Per-call codes that mean the whole connection is unusable (VK may report them inside execute).
BROKEN_CODES = {5, 14, 15, 17, 27, 203, 205, 1438, 1525, 1526}
ITEM_GONE, ALBUM_GONE, ALREADY_IN_ALBUM = 1403, 1402, 1404
ALBUM_KINDS = (p.ADOPT_ALBUM, p.CREATE_ALBUM, p.RENAME_ALBUM)
ITEM_KINDS = (p.ADOPT, p.CREATE, p.EDIT, p.HIDE, p.DELETE, p.FORGET)
NOT_REPEATABLE = {"market.add", "market.addAlbum"}  # repeating them after a lost answer would make twins

VK_REASONS = {
    1: "Неизвестная ошибка VK",
    6: "Слишком много запросов в секунду",
    9: "VK ограничил частые одинаковые действия",
    10: "Внутренняя ошибка VK",
    13: "VK не смог выполнить пакет запросов",
    100: "VK не принял один из параметров товара",
    1402: "Подборка не найдена в VK",
    1403: "Товар не найден в VK (удалён вручную)",
    1404: "Товар уже в подборке",
    1405: "В магазине VK слишком много товаров",
    1406: "В подборке VK слишком много товаров",
    1407: "В магазине VK слишком много подборок",
    1408: "VK не разрешает ссылки в описании",
    1429: "Размеры товара указаны не полностью",
    1433: "VK не принял фото товара",
    1434: "VK не принял фото товара",
    1435: "VK не принял фото товара",
}


def reason_in_words(error) -> str:
    code = getattr(error, "code", None)
    words = getattr(error, "reason", "") or VK_REASONS.get(code, "")
    message = getattr(error, "message", "") or str(error)
    return f"{words} (код {code}: {message})" if words else f"Ошибка VK {code}: {message}"


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    hidden: int = 0
    deleted: int = 0
    adopted: int = 0
    failed: int = 0
    photos: int = 0
    calls: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)  # wall time per stage (albums, photos, items, membership, …)


def record_batch(updates: dict[tuple, list[ProductLink]], errors: list[SyncItemError]) -> None:
    """Write one batch's answers: links grouped by the fields they change, and the per-item errors."""
    now = timezone.now()
    with transaction.atomic():
        for fields, links in updates.items():
            for link in links:
                link.updated_at = now
            bulk_set(ProductLink, links, [*fields, "updated_at"])
        if errors:
            SyncItemError.objects.bulk_create(errors)


class Applier:
    def __init__(self, *, run: SyncRun, client, group_id: int, load_photo: Callable, default_sha: str = ""):
        self.run, self.client, self.group_id, self.load_photo = run, client, group_id, load_photo
        self.default_sha = default_sha
        self.merchant = run.merchant
        self.counts = Counts()
        self.album_ids = dict(
            AlbumLink.objects.filter(merchant=self.merchant, group_id=group_id).values_list(
                "group_evotor_id", "vk_album_id"
            )
        )
        self.photo_ids = dict(VkPhoto.objects.filter(group_id=group_id).values_list("sha256", "photo_id"))
        self.progress = dict(run.progress or {})
        self._saved_at = 0.0
        self.names: dict[int, str] = {}

    # --- plumbing -------------------------------------------------------------------------------------------
    def _send(self, calls: list) -> list:
        for call in calls:
            self.counts.calls[call.method] = self.counts.calls.get(call.method, 0) + 1
        results = self._batch(calls)
        for result in results:
            error = getattr(result, "error", None)
            if error is not None and getattr(error, "code", None) in BROKEN_CODES:
                raise VkConnectionBroken(error.code, reason_in_words(error))
        return results

    def _batch(self, calls: list) -> list:
        """client.batch, but a request that creates things is never sent twice blindly.

        When its answer is lost (timeout, 5xx) VK may have made the items: the run stops (the task tries
        again later) and the next run, reading the shop first, adopts them by sku instead of creating twins.
        """
        creates = any(call.method in NOT_REPEATABLE for call in calls)
        return self.client.batch(calls, resend_when_unsure=not creates)

    def _tick(self, kind: str, done: int, *, force: bool = False) -> None:
        entry = self.progress.setdefault(kind, {"done": 0, "total": 0})
        entry["done"] += done
        now = time.monotonic()
        if force or now - self._saved_at >= PROGRESS_EVERY_SECONDS:
            self._saved_at = now
            SyncRun.objects.filter(pk=self.run.pk).update(progress=self.progress, heartbeat_at=timezone.now())

    def _set_totals(self, ops: list[p.Operation]) -> None:
        kinds = {
            "albums": {p.CREATE_ALBUM, p.RENAME_ALBUM, p.DELETE_ALBUM},
            "photos": {p.UPLOAD_PHOTO},
            "items": {p.CREATE, p.EDIT, p.HIDE, p.DELETE},
            "membership": {p.ADD_TO_ALBUM, p.REMOVE_FROM_ALBUM},
        }
        for name, members in kinds.items():
            self.progress[name] = {"done": 0, "total": sum(1 for op in ops if op.kind in members)}
        SyncRun.objects.filter(pk=self.run.pk).update(progress=self.progress)

    def _error(self, op: p.Operation, error, link_id: int | None) -> SyncItemError:
        self.counts.failed += 1
        return SyncItemError(
            run=self.run,
            merchant=self.merchant,
            link_id=link_id,
            product_name=(op.fields or {}).get("name", "") or self.names.get(op.product_id or 0, ""),
            operation=op.kind,
            code=getattr(error, "code", None),
            reason=reason_in_words(error),
        )

    # --- the phases -----------------------------------------------------------------------------------------
    def apply(self, plan: p.Plan) -> Counts:
        ops = plan.operations
        self._set_totals(ops)
        self._stage("albums", self.apply_albums, [op for op in ops if op.kind in ALBUM_KINDS])
        items = [op for op in ops if op.kind in ITEM_KINDS]
        photos = self._start_photos([op for op in ops if op.kind == p.UPLOAD_PHOTO])
        try:
            self._stage("links", self._prepare_items, items)  # while the pictures go out
            self._stage("photos", self._record_photos, photos)
        finally:
            if photos:
                photos.stop()
        again = self._stage("items", self.apply_items, items)
        members = [op for op in ops if op.kind in (p.REMOVE_FROM_ALBUM, p.ADD_TO_ALBUM)]
        self._stage("membership", self.apply_membership, members + self._recreate(again))
        self._stage("album_deletes", self.apply_album_deletes, [op for op in ops if op.kind == p.DELETE_ALBUM])
        self._tick("items", 0, force=True)
        log.info("sync applied", extra={"run_id": self.run.pk, "seconds": self.counts.seconds})
        return self.counts

    def _stage(self, name: str, apply: Callable, work):
        started = time.monotonic()
        try:
            return apply(work)
        finally:
            if work:
                self.counts.seconds[name] = round(time.monotonic() - started, 3)

    def apply_albums(self, ops: list[p.Operation]) -> None:
        for op in ops:
            if op.kind == p.ADOPT_ALBUM:
                self._save_album(op.album_key, op.vk_album_id, op.title)
        sent = [op for op in ops if op.kind != p.ADOPT_ALBUM]
        for start in range(0, len(sent), BATCH):
            chunk = sent[start : start + BATCH]
            calls = [self._album_call(op) for op in chunk]
            errors = []
            results = self._send(calls)
            with transaction.atomic():  # one commit per answer, not one per album
                for op, result in zip(chunk, results, strict=True):
                    if not result.ok:
                        errors.append(self._error(op, result.error, None))
                        continue
                    album_id = op.vk_album_id or result.response["market_album_id"]
                    self._save_album(op.album_key, album_id, op.title)
                record_batch({}, errors)
            self._tick("albums", len(chunk))

    def _album_call(self, op: p.Operation) -> VkCall:
        owner = -self.group_id
        if op.kind == p.CREATE_ALBUM:
            return VkCall("market.addAlbum", {"owner_id": owner, "title": op.title})
        return VkCall("market.editAlbum", {"owner_id": owner, "album_id": op.vk_album_id, "title": op.title})

    def _save_album(self, key: str, vk_album_id: int, title: str) -> None:
        AlbumLink.objects.update_or_create(
            merchant=self.merchant,
            group_id=self.group_id,
            group_evotor_id=key,
            defaults={"vk_album_id": vk_album_id, "pushed_title": title},
        )
        self.album_ids[key] = vk_album_id

    def _start_photos(self, ops: list[p.Operation]) -> PhotoUploads | None:
        """Start uploading the photos VK lacks (each picture once), in the background."""
        todo = list({op.photo_sha: op for op in ops if op.photo_sha not in self.photo_ids}.values())
        if not todo:
            return None
        return PhotoUploads(client=self.client, group_id=self.group_id, load_photo=self.load_photo, ops=todo)

    def _record_photos(self, photos: PhotoUploads | None) -> None:
        for op, photo_id, error in photos.outcomes() if photos else ():
            if error is not None:
                record_batch({}, [self._error(op, error, None)])
                continue
            VkPhoto.objects.get_or_create(group_id=self.group_id, sha256=op.photo_sha, defaults={"photo_id": photo_id})
            self.photo_ids[op.photo_sha] = photo_id
            self.counts.photos += 1
            self._tick("photos", 1)

    def _prepare_items(self, ops: list[p.Operation]) -> None:
        """Links for the items about to be created exist first; items gone from the shop are forgotten."""
        self._ensure_links(ops)
        forget = [op.link_id for op in ops if op.kind == p.FORGET and op.link_id]
        ProductLink.objects.filter(pk__in=forget).update(
            state=ProductLink.State.DELETED, vk_item_id=None, vk_album_id=None, pushed_hash=""
        )

    def apply_items(self, ops: list[p.Operation]) -> list[p.Operation]:
        """Send item writes (their links prepared); return the creates owed for items VK lost (1403 on edit)."""
        sent = [op for op in ops if op.kind in (p.CREATE, p.EDIT, p.HIDE, p.DELETE)]
        chunks = [sent[start : start + BATCH] for start in range(0, len(sent), BATCH)]
        again = []
        answers = self._answers_ahead(chunks, lambda chunk: [self._item_call(op) for op in chunk])
        with contextlib.closing(answers):  # if writing an answer fails, the sender thread is stopped at once
            for chunk, calls, results in answers:
                again += self._record_items(chunk, calls, results)
        return again

    def _answers_ahead(self, chunks: list[list], make_calls: Callable) -> Iterator[tuple[list, list, list]]:
        """(chunk, calls, results) in order, the next chunk's request already sent while this one's are recorded.

        One request at a time goes out, from a helper thread, so VK's answer and our writes overlap. After a
        request fails, none after it is sent. A crash loses at most the answers of two requests; their items
        carry our sku, so the next run adopts them instead of making twins.
        """
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vk-send")
        failed = []

        def send_in_turn(calls: list) -> list:
            if failed:
                raise failed[0]
            try:
                return self._send(calls)
            except BaseException as error:
                failed.append(error)
                raise

        try:
            waiting = None
            for chunk in chunks:
                calls = make_calls(chunk)
                sending = pool.submit(contextvars.copy_context().run, send_in_turn, calls)
                if waiting:
                    yield waiting[0], waiting[1], waiting[2].result()
                waiting = (chunk, calls, sending)
            if waiting:
                yield waiting[0], waiting[1], waiting[2].result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _ensure_links(self, ops: list[p.Operation]) -> None:
        """Links exist (with the sku and the hash about to be pushed) before VK is asked to create anything."""
        now = timezone.now()
        # A re-create keeps its link: it is marked as being created, with the hash about to be pushed.
        again = [op for op in ops if op.kind == p.CREATE and op.link_id]
        _bulk(
            [
                ProductLink(
                    pk=op.link_id,
                    state="creating",
                    pushed_hash=op.hash,
                    vk_item_id=None,
                    group_id=self.group_id,
                    sku=op.sku,
                )
                for op in again
            ],
            ["state", "pushed_hash", "vk_item_id", "group_id", "sku"],
        )
        new = [op for op in ops if op.kind in (p.CREATE, p.ADOPT) and op.link_id is None and op.product_id]
        made = ProductLink.objects.bulk_create(
            [
                ProductLink(
                    merchant=self.merchant,
                    product_id=op.product_id,
                    group_id=self.group_id,
                    sku=op.sku,
                    state=ProductLink.State.CREATING,
                    pushed_hash=op.hash if op.kind == p.CREATE else "",
                )
                for op in new
            ],
            batch_size=1000,
        )
        ids = {link.product_id: link.pk for link in made}  # SQLite and MariaDB hand the new ids back
        if None in ids.values():
            ids = dict(ProductLink.objects.filter(merchant=self.merchant).values_list("product_id", "id"))
        if new:
            for op in ops:
                if op.link_id is None and op.product_id:
                    op.link_id = ids.get(op.product_id)
        adopted = [op for op in ops if op.kind == p.ADOPT]
        links = [
            ProductLink(pk=op.link_id, vk_item_id=op.vk_item_id, state=ProductLink.State.ACTIVE, updated_at=now)
            for op in adopted
        ]
        _bulk(links, ["vk_item_id", "state", "updated_at"])
        self.counts.adopted += len(adopted)

    def _item_call(self, op: p.Operation) -> VkCall:
        params = {"owner_id": -self.group_id}
        if op.kind in (p.EDIT, p.HIDE, p.DELETE):
            params["item_id"] = op.vk_item_id
        if op.kind == p.DELETE:
            return VkCall("market.delete", params)
        if op.fields is None:  # hiding an item whose product left the catalog: only the flag changes
            return VkCall("market.edit", params | {"deleted": 1})
        params |= op.fields
        # The product's own picture; while it cannot be had, the default one (an item never goes bare if avoidable).
        photo_id = self.photo_ids.get(op.photo_sha) or self.photo_ids.get(self.default_sha)
        if photo_id:
            params["main_photo_id"] = photo_id
        return VkCall("market.add" if op.kind == p.CREATE else "market.edit", params)

    def _item_batch(self, chunk: list[p.Operation]) -> list[p.Operation]:
        calls = [self._item_call(op) for op in chunk]
        return self._record_items(chunk, calls, self._send(calls))

    def _record_items(self, chunk: list[p.Operation], calls: list[VkCall], results: list) -> list[p.Operation]:
        updates: dict[tuple, list[ProductLink]] = {}
        errors, again = [], []
        now = timezone.now()
        for op, call, result in zip(chunk, calls, results, strict=True):
            if result.ok:
                fields, link = self._success(op, call, result.response, now)
            elif result.error.code == ITEM_GONE and op.kind != p.CREATE:
                fields, link = self._gone(op, again)
            else:
                errors.append(self._error(op, result.error, op.link_id))
                fields, link = self._failure(op, result.error)
            updates.setdefault(fields, []).append(link)
        record_batch(updates, errors)
        self._tick("items", len(chunk))
        return again

    def _success(self, op: p.Operation, call: VkCall, response, now) -> tuple[tuple, ProductLink]:
        # Without the wanted photo the item is pushed, but its hash stays open so the next run tries again.
        pushed = op.hash if (not op.photo_sha or op.photo_sha in self.photo_ids) else ""
        link = ProductLink(pk=op.link_id, last_error="", last_error_code=None, updated_at=now)
        if op.kind == p.DELETE:
            self.counts.deleted += 1
            link.state, link.vk_item_id, link.vk_album_id, link.pushed_hash = "deleted", None, None, ""
            return ("state", "vk_item_id", "vk_album_id", "pushed_hash", "last_error", "last_error_code"), link
        hidden = op.kind == p.HIDE or bool((op.fields or {}).get("deleted"))
        link.state, link.pushed_hash, link.photo_hash = ("hidden" if hidden else "active"), pushed, op.photo_sha
        fields = ("state", "pushed_hash", "photo_hash", "last_error", "last_error_code")
        if op.sku:  # the key follows the merchant's choice (Evotor id, article or barcode)
            link.sku = op.sku
            fields += ("sku",)
        if op.kind == p.CREATE:
            self.counts.created += 1
            link.vk_item_id = int(response["market_item_id"]) if isinstance(response, dict) else int(response)
            fields += ("vk_item_id",)
        elif op.kind == p.HIDE:
            self.counts.hidden += 1
            link.hidden_at = now
            fields += ("hidden_at",)
        else:
            self.counts.updated += 1
        if not hidden:
            link.hidden_at = None
            fields += ("hidden_at",) if "hidden_at" not in fields else ()
        return fields, link

    def _gone(self, op: p.Operation, again: list) -> tuple[tuple, ProductLink]:
        """VK lost the item (deleted by hand): create it again when it should be shown, else forget it."""
        link = ProductLink(pk=op.link_id, vk_item_id=None, vk_album_id=None, pushed_hash="", state="deleted")
        if op.fields and not op.fields.get("deleted") and op.kind != p.DELETE:
            link.state = "creating"
            again.append(
                p.Operation(
                    p.CREATE,
                    product_id=op.product_id,
                    link_id=op.link_id,
                    fields=op.fields,
                    hash=op.hash,
                    photo_sha=op.photo_sha,
                    album_key=op.album_key,
                    sku=op.sku,
                )
            )
        return ("vk_item_id", "vk_album_id", "pushed_hash", "state"), link

    def _failure(self, op: p.Operation, error) -> tuple[tuple, ProductLink]:
        link = ProductLink(pk=op.link_id, last_error=reason_in_words(error), last_error_code=error.code)
        if op.kind == p.CREATE:
            link.state, link.pushed_hash = "failed", ""
            return ("last_error", "last_error_code", "state", "pushed_hash"), link
        return ("last_error", "last_error_code"), link

    def _recreate(self, creates: list[p.Operation]) -> list[p.Operation]:
        """Send the creates owed after 1403; return the album additions they need."""
        if not creates:
            return []
        self._ensure_links(creates)
        for start in range(0, len(creates), BATCH):
            self._item_batch(creates[start : start + BATCH])
        adds: dict[str, list[int]] = {}
        for op in creates:
            if op.album_key:
                adds.setdefault(op.album_key, []).append(op.product_id)
        return [p.Operation(p.ADD_TO_ALBUM, album_key=key, product_ids=ids) for key, ids in adds.items()]

    def apply_membership(self, ops: list[p.Operation]) -> None:
        if not ops:
            return
        items = {
            product_id: (link_id, vk_id)
            for product_id, link_id, vk_id in ProductLink.objects.filter(merchant=self.merchant)
            .exclude(vk_item_id=None)
            .values_list("product_id", "id", "vk_item_id")
        }
        ops.sort(key=lambda op: op.kind != p.REMOVE_FROM_ALBUM)  # removals first
        retry: list[p.Operation] = []
        for start in range(0, len(ops), BATCH):
            retry += self._membership_batch(ops[start : start + BATCH], items)
        for start in range(0, len(retry), BATCH):
            self._membership_batch(retry[start : start + BATCH], items)

    def _membership_call(self, op: p.Operation, items: dict) -> tuple[VkCall | None, list[int]]:
        owner = -self.group_id
        if op.kind == p.REMOVE_FROM_ALBUM:
            params = {"owner_id": owner, "item_id": op.vk_item_id, "album_ids": op.vk_album_id}
            return VkCall("market.removeFromAlbum", params), [op.link_id]
        album_id = self.album_ids.get(op.album_key)
        known = [items[pid] for pid in op.product_ids if pid in items]
        if album_id is None or not known:
            return None, []
        op.vk_album_id = album_id
        item_ids = ",".join(str(vk_id) for _, vk_id in known)
        params = {"owner_id": owner, "item_ids": item_ids, "album_ids": album_id}
        return VkCall("market.addToAlbum", params), [link_id for link_id, _ in known]

    def _membership_batch(self, chunk: list[p.Operation], items: dict) -> list[p.Operation]:
        pairs = [(op, *self._membership_call(op, items)) for op in chunk]
        pairs = [(op, call, link_ids) for op, call, link_ids in pairs if call is not None]
        results = self._send([call for _, call, _ in pairs]) if pairs else []
        errors, retry = [], []
        with transaction.atomic():  # one commit per answer, not one per album
            for (op, _call, link_ids), result in zip(pairs, results, strict=True):
                code = None if result.ok else result.error.code
                if code == ALREADY_IN_ALBUM and len(op.product_ids) > 1:
                    retry += [
                        p.Operation(p.ADD_TO_ALBUM, album_key=op.album_key, product_ids=[i]) for i in op.product_ids
                    ]
                    continue
                if result.ok or code == ALREADY_IN_ALBUM:
                    new_album = None if op.kind == p.REMOVE_FROM_ALBUM else op.vk_album_id
                    ProductLink.objects.filter(pk__in=link_ids).update(vk_album_id=new_album)
                else:
                    errors.append(self._error(op, result.error, link_ids[0] if len(link_ids) == 1 else None))
            record_batch({}, errors)
        self._tick("membership", len(chunk))
        return retry

    def apply_album_deletes(self, ops: list[p.Operation]) -> None:
        sent = [op for op in ops if op.vk_album_id]
        for op in ops:
            if not op.vk_album_id:
                self._drop_album(op)
        for start in range(0, len(sent), BATCH):
            chunk = sent[start : start + BATCH]
            calls = [
                VkCall("market.deleteAlbum", {"owner_id": -self.group_id, "album_id": op.vk_album_id}) for op in chunk
            ]
            errors = []
            for op, result in zip(chunk, self._send(calls), strict=True):
                if result.ok or result.error.code == ALBUM_GONE:
                    self._drop_album(op)
                else:
                    errors.append(self._error(op, result.error, None))
            record_batch({}, errors)
            self._tick("albums", len(chunk))

    def _drop_album(self, op: p.Operation) -> None:
        AlbumLink.objects.filter(merchant=self.merchant, group_id=self.group_id, group_evotor_id=op.album_key).delete()
        if op.vk_album_id:
            ProductLink.objects.filter(merchant=self.merchant, vk_album_id=op.vk_album_id).update(vk_album_id=None)
        self.album_ids.pop(op.album_key, None)


def _bulk(links: list[ProductLink], fields: list[str]) -> None:
    if links:
        bulk_set(ProductLink, links, fields)


def apply_plan(*, plan: p.Plan, run: SyncRun, client, group_id: int, load_photo, default_sha: str = "") -> Counts:
    """Carry out `plan` for the run's merchant; per-item errors are recorded and the run goes on.

    `load_photo(sha) -> (bytes, filename)` gives a picture to upload; `default_sha` names the fallback picture.
    Raises VkConnectionBroken (stop, the connection is unusable) and the client's transient errors.
    """
    applier = Applier(run=run, client=client, group_id=group_id, load_photo=load_photo, default_sha=default_sha)
    return applier.apply(plan)
