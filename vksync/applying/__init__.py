"""apply_plan: carry out a plan through VK `execute` batches, writing each answer to the mapping at once.

Stages, in order: photos start in the background (photos.py) while albums (albums.py), the variants' properties
and values (variants.py) and the adopted items' links (mapping.py) are made; the items — create/edit/hide/delete —
go through the pipelined sender (items.py, sender.py), each as soon as its own pictures are saved (ready.py), a
create's link made just before its batch goes,
album membership, cards of variants (variants.py), album deletions. Every answer is written as soon as it
comes, so a crash forgets at most two batches — and those items carry our sku, so the next run adopts them
instead of duplicating. Every write and VK's answer is also laid over
the VK shop cache (`vkshop.writes`): the items' as they come, while the next batch is in flight, the rest at the
end, so the next run need not read the shop again; a run that stops half way leaves the cache untrusted, and the
next one reads it whole.
"""

import logging
from collections.abc import Callable

from core.slices import Slice
from vkshop import writes as shop_writes
from vksync import planning as p
from vksync.applying import albums, items, mapping, photos, variants
from vksync.applying.context import Context, Counts, items_size, timed
from vksync.applying.sender import BATCH, chunks
from vksync.models import SyncRun

log = logging.getLogger(__name__)

ALBUM_KINDS = (p.ADOPT_ALBUM, p.CREATE_ALBUM, p.RENAME_ALBUM)
ITEM_KINDS = (p.ADOPT, p.CREATE, p.EDIT, p.HIDE, p.DELETE, p.FORGET)
MEMBERSHIP_KINDS = (p.REMOVE_FROM_ALBUM, p.ADD_TO_ALBUM)


def apply_plan(
    *,
    plan: p.Plan,
    run: SyncRun,
    client,
    group_id: int,
    load_photo: Callable,
    default_sha: str = "",
    photo_bulk_files: int = 0,
    on_bulk_refused: Callable | None = None,
    clock: Slice | None = None,
    more_to_come: bool = False,
    first_write_judged: bool = False,
) -> Counts:
    """Carry out `plan` for the run's merchant; per-item errors are recorded and the run goes on.

    `load_photo(sha) -> (bytes, filename)` gives a picture to upload; `default_sha` names the fallback picture.
    `photo_bulk_files` > 1 uploads that many pictures at once; `on_bulk_refused(error)` hears the community refuse.
    Raises VkConnectionBroken (stop, the connection is unusable) and the client's transient errors; what was
    done until then is on the run either way. With a `clock` that has a deadline (a slice's) no step starts that
    would not end before it, judged by the longest step of its kind seen in the slice (a batch's turn, a picture's
    save); the work stops at a safe point — the pictures under way saved, the item batch in flight answered and
    recorded, the cache given every write — and `counts.finished` is False: a new plan from the cache does the rest.
    The slice's first write (an album batch, else an item batch) goes anyway (each slice makes headway), unless
    `first_write_judged` (the slice read before it planned: the next slice, fresh, sends it).
    `more_to_come`: a later slice's plan holds more (items whose pictures are still being learnt): this slice sends
    only full batches — whole bulks of pictures, 25 items with their pictures — and leaves the stages that need
    every item's answer (album membership, cards, album deletions) to the last slice, so slicing costs no request.
    """
    ctx = Context(
        run=run,
        client=client,
        group_id=group_id,
        load_photo=load_photo,
        default_sha=default_sha,
        photo_bulk_files=photo_bulk_files,
        on_bulk_refused=on_bulk_refused,
        clock=clock,
        more_to_come=more_to_come,
    )
    ctx.headway = first_write_judged  # reads came before the plan: even the slice's first write must fit
    ops = plan.operations
    ctx.set_totals(ops)
    if not ops:
        return ctx.counts
    was_trusted = shop_writes.begin_writes(merchant=ctx.merchant, group_id=group_id)
    try:
        _apply_stages(ctx, ops)
    finally:
        ctx.tick("items", 0, force=True)  # the counts of what was done reach the run, failed or not
    ctx.clock.stop()  # a safe point: what follows is the slice's closing
    writes = ctx.sent[ctx.laid :]
    with ctx.clock.stage("mirror", step=True, size=items_size(shop_writes.items_touched(writes))):
        shop_writes.mirror_writes(
            merchant=ctx.merchant,
            group_id=group_id,
            writes=writes,
            was_trusted=was_trusted,
            laid_understood=ctx.laid_understood,
        )
    log.info("sync applied", extra={"run_id": run.pk, "seconds": ctx.counts.seconds, "whole": ctx.counts.finished})
    return ctx.counts


def _apply_stages(ctx: Context, ops: list[p.Operation]) -> None:
    """The stages in order; when the slice's time runs out in the pictures or the items, the later stages wait
    for the next slice (its plan, from the cache these writes keep true, holds what is left of them)."""
    # The pictures go out first: their downloads and upload POSTs (not rate-limited) run under everything else.
    arrivals = photos.Arrivals(ctx, photos.start(ctx, [op for op in ops if op.kind == p.UPLOAD_PHOTO]))
    item_ops = [op for op in ops if op.kind in ITEM_KINDS]
    try:
        timed(ctx, "albums", albums.apply_albums, [op for op in ops if op.kind in ALBUM_KINDS])
        if not ctx.counts.finished:  # the albums used the slice's time: the next slice's plan holds the rest
            return arrivals.enough()
        timed(ctx, "properties", variants.apply_properties, [op for op in ops if op.kind in variants.PROPERTY_KINDS])
        timed(ctx, "links", mapping.prepare_links, item_ops)
        again = timed(ctx, "items", items.apply_items, item_ops, arrivals)  # each as its pictures are in
    finally:
        arrivals.close()  # every photo VK saved is kept, even when the run stops here
    if not ctx.counts.finished or ctx.more_to_come:  # out of time; or the last stages wait for the last slice
        return
    members = [op for op in ops if op.kind in MEMBERSHIP_KINDS] + items.recreate(ctx, again)
    cards = [op for op in ops if op.kind in variants.CARD_KINDS]
    album_deletes = [op for op in ops if op.kind == p.DELETE_ALBUM]
    if _no_time_for(ctx, members, cards + album_deletes):
        return
    timed(ctx, "membership", albums.apply_membership, members)
    if not ctx.counts.finished:  # the membership used the slice's time: the next slice's plan holds the rest
        return
    timed(ctx, "cards", variants.apply_cards, cards)
    timed(ctx, "album_deletes", albums.apply_album_deletes, album_deletes)


def _no_time_for(ctx: Context, members: list[p.Operation], others: list[p.Operation]) -> bool:
    """The last stages need the items' answers, so they go together once the items are done. In a slice that has
    sent writes already they go only while its deadline has room for all their batches (a membership batch as long
    per item moved as the longest membership turn, the others as the longest batch's turn) and for laying the last
    of them over the VK shop cache in the closing (`mirror`, by the items it touches: 1.4–2.7 s for a large shop's
    last slice under load, more than the closing's margin held); else they wait for the next slice's plan. A
    slice that has sent nothing starts them anyway (each slice makes headway): the membership then sends what its
    deadline holds, at least one step (`albums.apply_membership`)."""
    if not (members or others) or not ctx.wrote():
        return False
    turn = albums.membership_turn(ctx)
    seconds = sum(turn * items_size(albums.items_moved(batch)) for batch in chunks(members))
    seconds += -(-len(others) // BATCH) * ctx.clock.expected("batch")
    last = ctx.unlaid_items() + albums.items_moved(members[-BATCH:])
    if ctx.clock.holds(seconds + ctx.clock.expected("mirror") * items_size(last)):
        return False
    ctx.counts.finished = False
    return True
