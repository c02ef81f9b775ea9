"""One VK community, several merchants: which items and albums in it belong to the other merchants.

A merchant's copy of the community's shop (vkshop) leaves them out — asked through
`vkshop.signals.claimed_by_others` — so the merchant's pages never show them and the merchant's sync never
adopts an item of theirs (the same barcode as sku), fills their album or deletes it (the same group name).
Their items are those their links point at; other merchants are those whose VK connection names the community.
"""

from connections.models import VkConnection
from vksync.models import AlbumLink, ProductLink


def claimed_by_other_merchants(*, merchant, group_id: int) -> tuple[set[int], set[int]]:
    """VK ids of the (items, albums) other merchants connected to the community made there."""
    others = list(
        VkConnection.objects.filter(group_id=group_id).exclude(merchant=merchant).values_list("merchant_id", flat=True)
    )
    if not others:  # the usual case: one query
        return set(), set()
    items = ProductLink.objects.filter(merchant__in=others, group_id=group_id).exclude(vk_item_id=None)
    albums = AlbumLink.objects.filter(merchant__in=others, group_id=group_id)
    return set(items.values_list("vk_item_id", flat=True)), set(albums.values_list("vk_album_id", flat=True))


def on_claims_asked(sender, *, merchant, group_id: int, **kwargs) -> tuple[set[int], set[int]]:
    """vkshop.signals.claimed_by_others."""
    return claimed_by_other_merchants(merchant=merchant, group_id=group_id)
