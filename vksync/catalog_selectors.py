"""Reads for the merchant's VK shop pages: albums with counts, an album's items, their Evotor products."""

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from catalog.models import Product
from connections.models import VkConnection
from vksync.models import VkAlbum, VkItem, VkItemInAlbum


def connected_group_id(*, merchant) -> int | None:
    return VkConnection.objects.owned_by(merchant).values_list("group_id", flat=True).first()


def albums_with_counts(*, merchant, group_id: int) -> QuerySet[VkAlbum]:
    """The community's albums, each with `item_total`: how many cached items it holds (one query)."""
    counts = (
        VkItemInAlbum.objects.filter(group_id=OuterRef("group_id"), album_vk_id=OuterRef("vk_id"))
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
    )


def items_of_album(*, merchant, group_id: int, album: VkAlbum | None, without_album: bool = False):
    """Cached items of the community: in `album`, or all of them, or those in no album."""
    items = VkItem.objects.owned_by(merchant).filter(group_id=group_id)
    if album is not None:
        items = items.filter(Exists(VkItemInAlbum.objects.filter(item=OuterRef("pk"), album_vk_id=album.vk_id)))
    elif without_album:
        items = items.exclude(Exists(VkItemInAlbum.objects.filter(item=OuterRef("pk"))))
    return items.order_by("title", "vk_id")


def evotor_products_for(*, merchant, items) -> dict[int, Product]:
    """The Evotor product each VK item came from, by item pk, in one query.

    For now EvoSync writes the Evotor product id into the item's sku; when the sync engine's
    mapping model lands, this is the one function to switch to it."""
    skus = {item.sku for item in items if item.sku}
    if not skus:
        return {}
    products = {p.evotor_id: p for p in Product.objects.owned_by(merchant).filter(evotor_id__in=skus)}
    return {item.pk: products[item.sku] for item in items if item.sku in products}
