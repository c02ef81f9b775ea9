"""Reads for the merchant's VK shop pages: albums with counts, an album's items, their Evotor products."""

from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from catalog.models import Product
from connections.models import VkConnection
from vkshop.models import VkAlbum, VkItem, VkItemInAlbum


def connected_group_id(*, merchant) -> int | None:
    return VkConnection.objects.owned_by(merchant).values_list("group_id", flat=True).first()


def albums_with_counts(*, merchant, group_id: int) -> QuerySet:
    """The community's albums as dicts, each with `item_total`: how many cached items it holds (one query)."""
    counts = (
        VkItemInAlbum.objects.filter(
            group_id=OuterRef("group_id"), album_vk_id=OuterRef("vk_id"), item__merchant=OuterRef("merchant")
        )
        .order_by()
        .values("album_vk_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        VkAlbum.objects.owned_by(merchant)
        .filter(group_id=group_id)
        .annotate(item_total=Coalesce(Subquery(counts, output_field=IntegerField()), 0))
        .order_by("title", "vk_id")
        .values("pk", "title", "item_total", "updated_time", "is_main", "is_hidden")
    )


def shop_summary(*, merchant, group_id: int) -> dict:
    """`total` cached items, how many are `without_album`, and when the shop was `refreshed_at` (one query)."""
    in_no_album = ~Exists(VkItemInAlbum.objects.filter(item=OuterRef("pk")))
    return (
        VkItem.objects.owned_by(merchant)
        .filter(group_id=group_id)
        .aggregate(total=Count("id"), without_album=Count("id", filter=in_no_album), refreshed_at=Max("refreshed_at"))
    )


ITEM_PAGE_COLUMNS = ("title", "price", "old_price", "availability", "stock_amount", "sku", "reject_info")


def items_of_album(*, merchant, group_id: int, album: VkAlbum | None, without_album: bool = False) -> QuerySet:
    """Cached items of the community, by title: in `album`, or all of them, or those in no album.

    Only the columns the album page shows (as dicts). An album's items are found from its memberships
    (a join on the (group_id, album_vk_id) index), not by probing every item of the community."""
    items = VkItem.objects.owned_by(merchant).filter(group_id=group_id)
    if album is not None:
        items = items.filter(in_albums__group_id=group_id, in_albums__album_vk_id=album.vk_id)
    elif without_album:
        items = items.exclude(Exists(VkItemInAlbum.objects.filter(item=OuterRef("pk"))))
    return items.order_by("title", "vk_id").values(*ITEM_PAGE_COLUMNS)


def evotor_names_for(*, merchant, skus) -> dict[str, str]:
    """The name of the Evotor product each sku came from, by sku (see evotor_products_for)."""
    return {sku: name for sku, (name, _thumbnail) in evotor_products_for(merchant=merchant, skus=skus).items()}


def evotor_products_for(*, merchant, skus) -> dict[str, tuple[str, str]]:
    """(name, thumbnail) of the Evotor product each sku came from, by sku.

    The sync writes the product's Evotor id, its article number or its first barcode into `sku`, as the
    merchant chose. The Evotor id is looked up first (one indexed query, and all it takes with the default
    key); only skus still unknown are looked up by article number and first barcode."""
    skus = {sku for sku in skus if sku}
    if not skus:
        return {}
    products = Product.objects.owned_by(merchant)
    found = {
        evotor_id: (name, thumbnail)
        for evotor_id, name, thumbnail in products.filter(evotor_id__in=skus).values_list(
            "evotor_id", "name", "thumbnail"
        )
    }
    rest = skus - found.keys()
    if rest:
        by_other_keys = products.filter(Q(article_number__in=rest) | Q(barcodes__0__in=rest))
        for article, barcodes, name, thumbnail in by_other_keys.values_list(
            "article_number", "barcodes", "name", "thumbnail"
        ):
            first_barcode = str(barcodes[0]) if barcodes else ""
            for key in (article, first_barcode):
                if key in rest:
                    found.setdefault(key, (name, thumbnail))
    return found
