"""Writing what VK answered into the mapping (ProductLink rows) and the per-item errors."""

from django.db import transaction
from django.utils import timezone

from core.upsert import bulk_set, insert_models
from vksync import planning as p
from vksync.applying.context import Context
from vksync.models import ProductLink, SyncItemError

LINK_IDS_PER_QUERY = 900  # under SQLite's old limit of 999 parameters
ONE_UPDATE = 25  # links of one kind written in one UPDATE statement (bulk_set's batches are larger)


def record_batch(updates: dict[tuple, list[ProductLink]], errors: list[SyncItemError]) -> None:
    """Write one batch's answers: links grouped by the fields they change, and the per-item errors — in one
    transaction when that takes more than one statement. A batch whose links all change the same fields (a batch
    of creates or edits VK took) is one UPDATE, atomic alone: no transaction around it, so three round trips
    fewer (autocommit off, commit, autocommit on) while the next request is in flight."""
    now = timezone.now()
    for links in updates.values():
        for link in links:
            link.updated_at = now
    one_update = not errors and len(updates) == 1 and len(next(iter(updates.values()))) <= ONE_UPDATE
    if one_update:
        _write_batch(updates, errors)
        return
    with transaction.atomic():
        _write_batch(updates, errors)


def _write_batch(updates: dict[tuple, list[ProductLink]], errors: list[SyncItemError]) -> None:
    for fields, links in updates.items():
        bulk_set(ProductLink, links, [*fields, "updated_at"])
    if errors:
        SyncItemError.objects.bulk_create(errors)


def set_fields(links: list[ProductLink], fields: list[str]) -> None:
    if links:
        bulk_set(ProductLink, links, fields)


def prepare_links(ctx: Context, ops: list[p.Operation]) -> None:
    """Before the item writes: adopted items are linked, items gone from the shop are forgotten. The links of the
    items to create are made batch by batch, just before each is sent (`ensure_links`), while the batch before it
    is in flight: a first sync's first items go out without waiting for 8,000 links to be written."""
    ensure_links(ctx, [op for op in ops if op.kind == p.ADOPT])
    forget = [op.link_id for op in ops if op.kind == p.FORGET and op.link_id]
    ProductLink.objects.filter(pk__in=forget).update(
        state=ProductLink.State.DELETED, vk_item_id=None, vk_album_id=None, pushed_hash=""
    )


def ensure_links(ctx: Context, ops: list[p.Operation]) -> None:
    """Links exist (with the sku, and the hash about to be pushed) before VK is asked to create anything.

    The hash is written ahead only when the create will carry everything it stands for — its picture already
    known to the community. Else it stays open: if the answer is lost, the next run adopts the item and edits
    it, instead of trusting a hash VK never held (an item left without its picture for good)."""
    # A re-create keeps its link: it is marked as being created, with the hash about to be pushed.
    _mark_creating(ctx, [op for op in ops if op.kind == p.CREATE and op.link_id])
    new = [op for op in ops if op.kind in (p.CREATE, p.ADOPT) and ctx.link_id(op) is None and op.product_id]
    insert_models(  # a lean INSERT: a first sync's 8,000 links through bulk_create took 1.5 s of CPU
        ProductLink,
        [
            ProductLink(
                merchant=ctx.merchant,
                product_id=op.product_id,
                group_id=ctx.group_id,
                sku=op.sku,
                state=ProductLink.State.CREATING,
                pushed_hash=_hash_ahead(ctx, op) if op.kind == p.CREATE else "",
            )
            for op in new
        ],
    )
    ctx.new_links.update(_link_ids(ctx.merchant, [op.product_id for op in new]))
    adopted = [op for op in ops if op.kind == p.ADOPT]
    now = timezone.now()
    links = [
        ProductLink(pk=ctx.link_id(op), vk_item_id=op.vk_item_id, state=ProductLink.State.ACTIVE, updated_at=now)
        for op in adopted
    ]
    set_fields(links, ["vk_item_id", "state", "updated_at"])
    ctx.counts.adopted += len(adopted)


def _link_ids(merchant, product_ids: list[int]) -> dict[int, int]:
    """Product id → its link's id (one link per product and merchant), read back in chunks of ids."""
    ids = {}
    for chunk in _chunks(product_ids):
        ids.update(ProductLink.objects.filter(merchant=merchant, product_id__in=chunk).values_list("product_id", "id"))
    return ids


def _chunks(ids: list[int]):
    """`ids` in lists of LINK_IDS_PER_QUERY, one query's `IN (…)` each."""
    for start in range(0, len(ids), LINK_IDS_PER_QUERY):
        yield ids[start : start + LINK_IDS_PER_QUERY]


CREATING_FIELDS = ["state", "pushed_hash", "vk_item_id", "group_id", "sku"]


def _mark_creating(ctx: Context, again: list[p.Operation]) -> None:
    """Only the links that differ are written: a sliced run's later slices find most of them marked already."""
    if not again:
        return
    wanted = {
        op.link_id: (ProductLink.State.CREATING, _hash_ahead(ctx, op), None, ctx.group_id, op.sku) for op in again
    }
    same = set()
    for chunk in _chunks(list(wanted)):
        held = ProductLink.objects.filter(pk__in=chunk)
        same |= {pk for pk, *fields in held.values_list("pk", *CREATING_FIELDS) if tuple(fields) == wanted[pk]}
    changed = [ProductLink(pk=pk, **dict(zip(CREATING_FIELDS, fields, strict=True))) for pk, fields in wanted.items()]
    set_fields([link for link in changed if link.pk not in same], CREATING_FIELDS)


def _hash_ahead(ctx: Context, op: p.Operation) -> str:
    return op.hash if ctx.has_pictures(op) else ""
