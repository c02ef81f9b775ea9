"""Item writes (create, edit, hide, delete) and what their answers mean for the mapping.

What a link records as pushed is only what VK is known to hold: the hash of an item sent without its wanted
picture stays open, so the next run sends it again.
"""

import contextlib
import time

from django.utils import timezone

from connections.vk.client import VkCall
from connections.vk.errors import reason_in_words
from vksync import planning as p
from vksync.applying import mapping, variants
from vksync.applying.context import Context
from vksync.applying.photos import Arrivals
from vksync.applying.ready import ReadyItems
from vksync.applying.sender import AHEAD, InOrder, chunks, send
from vksync.models import ProductLink

ITEM_GONE = 1403
VK_EXTRA_PHOTOS = 4  # photo_ids besides the main photo
SENT_KINDS = (p.CREATE, p.EDIT, p.HIDE, p.DELETE)


def apply_items(ctx: Context, ops: list[p.Operation], arrivals: Arrivals) -> list[p.Operation]:
    """Send item writes (their links prepared) as their pictures arrive; return the creates owed for items VK
    lost (1403 on edit).

    One loop in the sync's own thread, so every database write stays here: it sends each full batch of items
    whose pictures are in (two batches at most unrecorded, `InOrder`), records VK's answers as they come, and
    meanwhile records the pictures (`arrivals`) as they are saved — the items' requests and the photos' saves
    share the rate limit, and neither waits while the other has work. Once the slice's time is out
    (`_room_for`), no batch and no picture starts; those under way are answered and recorded."""
    ready = ReadyItems(ctx, [op for op in ops if op.kind in SENT_KINDS], arrivals.coming)
    again = []
    sender = InOrder(ctx, on_answer=arrivals.wake)
    with contextlib.closing(sender):  # if writing an answer fails, the sender thread is stopped at once
        while True:
            while (
                len(sender) < AHEAD and _room_for(ctx, sender, arrivals) and (batch := ready.batch(last=arrivals.done))
            ):
                mapping.ensure_links(ctx, [op for op in batch if op.kind == p.CREATE])  # before VK makes them
                sender.submit(batch, [item_call(ctx, op) for op in batch])
            if sender.answered() or (sender and arrivals.done):
                again += _record_oldest(ctx, sender)
            elif not arrivals.done:
                ready.settled(arrivals.wait())  # a picture, or an answer to take
            else:
                return again


def _room_for(ctx: Context, sender: InOrder, arrivals: Arrivals) -> bool:
    """A batch starts only while the slice's deadline has room for it and those unrecorded, each as long as the
    longest batch's turn seen in the slice; the slice's first batch goes anyway (each slice makes headway), alone
    until its turn is known. Out of room, the pictures not started yet wait too (`Arrivals.enough`): the next
    slice's plan holds the rest."""
    if not ctx.counts.finished:
        arrivals.enough()
        return False
    if ctx.clock.deadline is not None and sender and "batch" not in ctx.clock.longest:
        return False  # the slice's first batch is in flight: how long a batch takes is not known yet
    if (sender.sent or ctx.headway) and not ctx.clock.fits("batch", len(sender) + 1):
        arrivals.enough()
        return False
    return True


def _record_oldest(ctx: Context, sender: InOrder) -> list[p.Operation]:
    """The oldest batch's answers written. A batch's turn — its request (the rate limiter's wait included) and its
    recording — is a step of the slice's clock: the longest seen is what the next one is expected to take."""
    taken = sender.take()
    if taken is None:  # not sent: the next slice's plan holds it, once the token's turn comes
        return []
    batch, calls, results = taken
    started = time.monotonic()
    again = record_items(ctx, batch, calls, results)
    if sender:  # the next batch is in flight: lay the writes over the VK shop cache meanwhile
        ctx.lay_sent()
    ctx.clock.took("batch", sender.longest + time.monotonic() - started)
    return again


def item_call(ctx: Context, op: p.Operation) -> VkCall:
    params = {"owner_id": -ctx.group_id}
    if op.kind in (p.EDIT, p.HIDE, p.DELETE):
        params["item_id"] = op.vk_item_id
    if op.kind == p.DELETE:
        return VkCall("market.delete", params)
    if op.fields is None:  # hiding an item whose product left the catalog: only the flag changes
        return VkCall("market.edit", params | {"deleted": 1})
    params = variants.item_params(ctx, op, params | op.fields)
    # The product's own pictures in order; while none can be had, the default one (an item never goes bare).
    photo_ids = [ctx.photo_ids[sha] for sha in op.photo_sha if sha in ctx.photo_ids]
    if not photo_ids and ctx.default_sha in ctx.photo_ids:
        photo_ids = [ctx.photo_ids[ctx.default_sha]]
    if photo_ids:
        params["main_photo_id"] = photo_ids[0]
        if photo_ids[1:]:
            params["photo_ids"] = photo_ids[1 : 1 + VK_EXTRA_PHOTOS]
    return VkCall("market.add" if op.kind == p.CREATE else "market.edit", params)


def record_items(ctx: Context, batch: list[p.Operation], calls: list[VkCall], results: list) -> list[p.Operation]:
    updates: dict[tuple, list[ProductLink]] = {}
    errors, again = [], []
    now = timezone.now()
    for op, _call, result in zip(batch, calls, results, strict=True):
        link_id = ctx.link_id(op)
        if result.ok:
            fields, link = _success(ctx, op, link_id, result.response, now)
        elif result.error.code == ITEM_GONE and op.kind != p.CREATE:
            fields, link = _gone(op, link_id, again)
        else:
            errors.append(ctx.error(op, result.error, link_id))
            fields, link = _failure(op, link_id, result.error)
            variants.note_item_error(ctx, result.error)
        updates.setdefault(fields, []).append(link)
    mapping.record_batch(updates, errors)
    ctx.tick("items", len(batch))
    return again


def _success(ctx: Context, op: p.Operation, link_id: int, response, now) -> tuple[tuple, ProductLink]:
    # Without every wanted photo the item is pushed, but its hash stays open so the next run tries again.
    pushed = op.hash if ctx.has_pictures(op) else ""
    pushed = variants.pushed_hash(ctx, op, pushed)
    link = ProductLink(pk=link_id, last_error="", last_error_code=None, updated_at=now)
    if op.kind == p.DELETE:
        ctx.counts.deleted += 1
        link.state, link.vk_item_id, link.vk_album_id, link.pushed_hash = "deleted", None, None, ""
        return ("state", "vk_item_id", "vk_album_id", "pushed_hash", "last_error", "last_error_code"), link
    hidden = op.kind == p.HIDE or bool((op.fields or {}).get("deleted"))
    main_photo = op.photo_sha[0] if op.photo_sha else ""
    link.state, link.pushed_hash, link.photo_hash = ("hidden" if hidden else "active"), pushed, main_photo
    fields = ("state", "pushed_hash", "photo_hash", "last_error", "last_error_code")
    if op.sku:  # the key follows the merchant's choice (Evotor id, article or barcode)
        link.sku = op.sku
        fields += ("sku",)
    if op.kind == p.CREATE:
        ctx.counts.created += 1
        link.vk_item_id = int(response["market_item_id"]) if isinstance(response, dict) else int(response)
        fields += ("vk_item_id",)
    elif op.kind == p.HIDE:
        ctx.counts.hidden += 1
        link.hidden_at = now
        fields += ("hidden_at",)
    else:
        ctx.counts.updated += 1
    if not hidden:
        link.hidden_at = None
        fields += ("hidden_at",) if "hidden_at" not in fields else ()
    return fields, link


def _gone(op: p.Operation, link_id: int, again: list) -> tuple[tuple, ProductLink]:
    """VK lost the item (deleted by hand): create it again when it should be shown, else forget it."""
    link = ProductLink(pk=link_id, vk_item_id=None, vk_album_id=None, pushed_hash="", state="deleted")
    if op.fields and not op.fields.get("deleted") and op.kind != p.DELETE:
        link.state = "creating"
        again.append(
            p.Operation(
                p.CREATE,
                product_id=op.product_id,
                link_id=link_id,
                fields=op.fields,
                hash=op.hash,
                photo_sha=op.photo_sha,
                album_key=op.album_key,
                sku=op.sku,
                card_key=op.card_key,
            )
        )
    return ("vk_item_id", "vk_album_id", "pushed_hash", "state"), link


def _failure(op: p.Operation, link_id: int, error) -> tuple[tuple, ProductLink]:
    link = ProductLink(pk=link_id, last_error=reason_in_words(error), last_error_code=error.code)
    if op.kind == p.CREATE:
        link.state, link.pushed_hash = "failed", ""
        return ("last_error", "last_error_code", "state", "pushed_hash"), link
    return ("last_error", "last_error_code"), link


def recreate(ctx: Context, creates: list[p.Operation]) -> list[p.Operation]:
    """Send the creates owed after 1403; return the album additions they need."""
    if not creates:
        return []
    mapping.ensure_links(ctx, creates)
    for batch in chunks(creates):
        calls = [item_call(ctx, op) for op in batch]
        record_items(ctx, batch, calls, send(ctx, calls))
    adds: dict[str, list[int]] = {}
    for op in creates:
        if op.album_key:
            adds.setdefault(op.album_key, []).append(op.product_id)
    return [p.Operation(p.ADD_TO_ALBUM, album_key=key, product_ids=tuple(ids)) for key, ids in adds.items()]
