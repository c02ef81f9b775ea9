"""Writing what VK answered into the mapping (ProductLink rows) and the per-item errors."""

from django.db import transaction
from django.utils import timezone

from core.upsert import bulk_set
from vksync import planning as p
from vksync.applying.context import Context
from vksync.models import ProductLink, SyncItemError


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


def set_fields(links: list[ProductLink], fields: list[str]) -> None:
    if links:
        bulk_set(ProductLink, links, fields)


def prepare_links(ctx: Context, ops: list[p.Operation]) -> None:
    """Links for the items about to be created exist first; items gone from the shop are forgotten."""
    ensure_links(ctx, ops)
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
    made = ProductLink.objects.bulk_create(
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
        batch_size=1000,
    )
    ids = {link.product_id: link.pk for link in made}  # SQLite and MariaDB hand the new ids back
    if None in ids.values():
        ids = dict(ProductLink.objects.filter(merchant=ctx.merchant).values_list("product_id", "id"))
    ctx.new_links.update({op.product_id: ids.get(op.product_id) for op in new})
    adopted = [op for op in ops if op.kind == p.ADOPT]
    now = timezone.now()
    links = [
        ProductLink(pk=ctx.link_id(op), vk_item_id=op.vk_item_id, state=ProductLink.State.ACTIVE, updated_at=now)
        for op in adopted
    ]
    set_fields(links, ["vk_item_id", "state", "updated_at"])
    ctx.counts.adopted += len(adopted)


CREATING_FIELDS = ["state", "pushed_hash", "vk_item_id", "group_id", "sku"]


def _mark_creating(ctx: Context, again: list[p.Operation]) -> None:
    """Only the links that differ are written: a sliced run's later slices find most of them marked already."""
    if not again:
        return
    wanted = {
        op.link_id: (ProductLink.State.CREATING, _hash_ahead(ctx, op), None, ctx.group_id, op.sku) for op in again
    }
    held = ProductLink.objects.filter(pk__in=list(wanted)).values_list("pk", *CREATING_FIELDS)
    same = {pk for pk, *fields in held if tuple(fields) == wanted[pk]}
    changed = [ProductLink(pk=pk, **dict(zip(CREATING_FIELDS, fields, strict=True))) for pk, fields in wanted.items()]
    set_fields([link for link in changed if link.pk not in same], CREATING_FIELDS)


def _hash_ahead(ctx: Context, op: p.Operation) -> str:
    return op.hash if ctx.has_pictures(op) else ""
