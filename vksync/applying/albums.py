"""Albums (create, rename, adopt, delete) and which item is in which album."""

import contextlib
import time

from django.db import transaction
from django.utils import timezone

from connections.vk.client import VkCall
from core.upsert import bulk_upsert
from vksync import planning as p
from vksync.applying.context import Context, items_size
from vksync.applying.mapping import record_batch
from vksync.applying.sender import AHEAD, InOrder, chunks, send
from vksync.models import AlbumLink, ProductLink

ALBUM_GONE, ALREADY_IN_ALBUM = 1402, 1404


def apply_albums(ctx: Context, ops: list[p.Operation]) -> None:
    """Albums made and renamed, a batch at a time. In a slice, a batch goes only while it would end before the
    deadline (judged per album, `albums`), except the slice's first write (each slice makes headway); the rest
    waits for the next slice's plan, and so do the later stages (`counts.finished` False)."""
    for op in ops:
        if op.kind == p.ADOPT_ALBUM:
            _save_album(ctx, op.album_key, op.vk_album_id, op.title)
    for batch in chunks([op for op in ops if op.kind != p.ADOPT_ALBUM]):
        if ctx.headway and not ctx.clock.fits("albums", size=len(batch)):
            ctx.counts.finished = False
            return
        started, ctx.headway = time.monotonic(), True
        _album_batch(ctx, batch)
        ctx.clock.took("albums", time.monotonic() - started, size=len(batch))


def _album_batch(ctx: Context, batch: list[p.Operation]) -> None:
    calls = [_album_call(ctx, op) for op in batch]
    errors, saved = [], {}
    results = send(ctx, calls)
    for op, result in zip(batch, results, strict=True):
        if not result.ok:
            errors.append(ctx.error(op, result.error, None))
            continue
        saved[op.album_key] = (op.vk_album_id or result.response["market_album_id"], op.title)
    with transaction.atomic():  # one commit per answer, and one statement for its albums, not two per album
        _save_albums(ctx, saved)
        record_batch({}, errors)
    ctx.tick("albums", len(batch))


def _save_albums(ctx: Context, saved: dict[str, tuple[int, str]]) -> None:
    """{group's Evotor id: (VK album id, title)} written as the merchant's album links in one upsert."""
    now = timezone.now()
    rows = [
        {"merchant_id": ctx.merchant.pk, "group_id": ctx.group_id, "group_evotor_id": key, "vk_album_id": album_id,
         "pushed_title": title, "created_at": now}
        for key, (album_id, title) in saved.items()
    ]  # fmt: skip
    bulk_upsert(
        AlbumLink, rows, unique=["merchant", "group_id", "group_evotor_id"], update=["vk_album_id", "pushed_title"]
    )
    ctx.album_ids.update({key: album_id for key, (album_id, _title) in saved.items()})


def _album_call(ctx: Context, op: p.Operation) -> VkCall:
    owner = -ctx.group_id
    if op.kind == p.CREATE_ALBUM:
        return VkCall("market.addAlbum", {"owner_id": owner, "title": op.title})
    return VkCall("market.editAlbum", {"owner_id": owner, "album_id": op.vk_album_id, "title": op.title})


def _save_album(ctx: Context, key: str, vk_album_id: int, title: str) -> None:
    AlbumLink.objects.update_or_create(
        merchant=ctx.merchant,
        group_id=ctx.group_id,
        group_evotor_id=key,
        defaults={"vk_album_id": vk_album_id, "pushed_title": title},
    )
    ctx.album_ids[key] = vk_album_id


def apply_membership(ctx: Context, ops: list[p.Operation]) -> None:
    """Items moved between albums, removals first; through the pipelined sender, each batch's answers written and
    laid over the VK shop cache while the next is in flight. Additions VK refused as already made (1404) for
    several items go again one item a call."""
    if not ops:
        return
    items = {
        product_id: (link_id, vk_id)
        for product_id, link_id, vk_id in ProductLink.objects.filter(merchant=ctx.merchant)
        .exclude(vk_item_id=None)
        .values_list("product_id", "id", "vk_item_id")
    }
    ops = sorted(ops, key=lambda op: op.kind != p.REMOVE_FROM_ALBUM)  # removals first
    retry = _send_membership(ctx, ops, items)
    if retry and ctx.counts.finished:
        _send_membership(ctx, retry, items)


def items_moved(ops: list[p.Operation]) -> int:
    """How many items these membership steps move (a removal moves one, an addition those it names)."""
    return sum(len(op.product_ids) or 1 for op in ops)


def membership_turn(ctx: Context) -> float:
    """Seconds per unit of size (`items_size`) a membership batch's turn is expected to take: the longest such turn
    seen, or before the first the longest item batch's turn."""
    return ctx.clock.expected("membership") or ctx.clock.expected("batch")


def _send_membership(ctx: Context, ops: list[p.Operation], items: dict) -> list[p.Operation]:
    retry: list[p.Operation] = []
    sender = InOrder(ctx)
    cut = False
    with contextlib.closing(sender):
        for batch in chunks(ops):
            if not ctx.counts.finished:  # a batch the deadline held back: the next slice's plan holds the rest
                break
            part = _what_fits(ctx, sender, batch, judged=bool(sender.sent or ctx.wrote()))
            steps = [(op, *_membership_call(ctx, op, items)) for op in part]
            steps = [step for step in steps if step[1] is not None]
            if steps:
                sender.submit(steps, [call for _, call, _, _ in steps])
            while len(sender) >= AHEAD and ctx.counts.finished:
                retry += _record_membership(ctx, sender)
            ctx.tick("membership", len(part))
            if len(part) < len(batch):  # the deadline holds no more: the next slice's plan holds the rest
                cut = True
                break
        while sender and ctx.counts.finished:
            retry += _record_membership(ctx, sender)
    ctx.counts.finished = ctx.counts.finished and not cut
    return retry


def _what_fits(ctx: Context, sender: InOrder, batch: list[p.Operation], *, judged: bool) -> list[p.Operation]:
    """The membership steps of `batch` the deadline has room for: their turn and those unrecorded (each as long per
    size as the longest membership turn), and laying the writes not laid yet over the VK shop cache in the closing
    (`mirror`); both sized by the items they move (a first sync's last slice moves every item: 2.2 s for one
    batch of 2,500 under load, and as long again to lay them). After the slice's first write the whole batch or a
    part of it, maybe none; a fresh slice's first batch sends at least one step (each slice makes headway)."""
    turn, unlaid = membership_turn(ctx), ctx.unlaid_items()
    for size in range(len(batch), 0, -1):
        moved = items_moved(batch[:size])
        turns = (len(sender) + 1) * turn * items_size(moved)
        laying = ctx.clock.expected("mirror") * items_size(unlaid + moved * (len(sender) + 1))
        if ctx.clock.holds(turns + laying):
            return batch[:size]
    return [] if judged else batch[:1]


def _record_membership(ctx: Context, sender: InOrder) -> list[p.Operation]:
    """The oldest membership batch's answers written to the links and laid over the VK shop cache; the additions
    to send again one item a call returned. A batch the slice's deadline held back stops the stage. A batch's
    turn (its request and its recording, the laying included) is a step, `membership`, sized by the items moved."""
    taken = sender.take()
    if taken is None:  # not sent: the next slice's plan holds it
        return []
    started = time.monotonic()
    steps, _calls, results = taken
    retry = _membership_answers(ctx, steps, results)
    if sender:  # the next batch is in flight
        ctx.lay_sent(at_least=1)
    size = items_size(items_moved([op for op, *_rest in steps]))
    ctx.clock.took("membership", sender.longest + time.monotonic() - started, size=size)
    return retry


def _membership_call(ctx: Context, op: p.Operation, items: dict) -> tuple[VkCall | None, list[int], int | None]:
    """The call for one membership step, the links it moves, and the album they end up in (None: none)."""
    owner = -ctx.group_id
    if op.kind == p.REMOVE_FROM_ALBUM:
        params = {"owner_id": owner, "item_id": op.vk_item_id, "album_ids": op.vk_album_id}
        return VkCall("market.removeFromAlbum", params), [op.link_id], None
    album_id = ctx.album_ids.get(op.album_key)
    known = [items[pid] for pid in op.product_ids if pid in items]
    if album_id is None or not known:
        return None, [], None
    item_ids = ",".join(str(vk_id) for _, vk_id in known)
    params = {"owner_id": owner, "item_ids": item_ids, "album_ids": album_id}
    return VkCall("market.addToAlbum", params), [link_id for link_id, _ in known], album_id


def _membership_answers(ctx: Context, steps: list, results: list) -> list[p.Operation]:
    errors, retry = [], []
    with transaction.atomic():  # one commit per answer, not one per album
        for (op, _call, link_ids, album_id), result in zip(steps, results, strict=True):
            code = None if result.ok else result.error.code
            if code == ALREADY_IN_ALBUM and len(op.product_ids) > 1:
                retry += [p.Operation(p.ADD_TO_ALBUM, album_key=op.album_key, product_ids=(i,)) for i in op.product_ids]
                continue
            if result.ok or code == ALREADY_IN_ALBUM:
                ProductLink.objects.filter(pk__in=link_ids).update(vk_album_id=album_id)
            else:
                errors.append(ctx.error(op, result.error, link_ids[0] if len(link_ids) == 1 else None))
        record_batch({}, errors)
    return retry


def apply_album_deletes(ctx: Context, ops: list[p.Operation]) -> None:
    for op in ops:
        if not op.vk_album_id:
            _drop_album(ctx, op)
    for batch in chunks([op for op in ops if op.vk_album_id]):
        calls = [VkCall("market.deleteAlbum", {"owner_id": -ctx.group_id, "album_id": op.vk_album_id}) for op in batch]
        errors = []
        for op, result in zip(batch, send(ctx, calls), strict=True):
            if result.ok or result.error.code == ALBUM_GONE:
                _drop_album(ctx, op)
            else:
                errors.append(ctx.error(op, result.error, None))
        record_batch({}, errors)
        ctx.tick("albums", len(batch))


def _drop_album(ctx: Context, op: p.Operation) -> None:
    AlbumLink.objects.filter(merchant=ctx.merchant, group_id=ctx.group_id, group_evotor_id=op.album_key).delete()
    if op.vk_album_id:
        ProductLink.objects.filter(merchant=ctx.merchant, vk_album_id=op.vk_album_id).update(vk_album_id=None)
    ctx.album_ids.pop(op.album_key, None)
