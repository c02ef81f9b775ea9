"""One count, explained everywhere: how many of the merchant's products go to VK, and why the others do not.

The catalog page, the plan, the sync page, the VK shop page and the guided start all show these numbers. They
come from what the planner itself reads — `catalog.selectors.published_products` for "published" and
`rules.unavailable_reason` for "shown in VK" — so a page can never count by rules the sync does not follow.
"""

from dataclasses import asdict, dataclass

from django.db.models import Count, Exists, OuterRef, Q

from catalog.models import Product
from catalog.selectors import published_products
from connections.models import VkConnection
from vkshop.models import VkItem
from vksync import rules
from vksync.models import ProductLink, SyncSettings
from vksync.reserved import less_reserved, reserved_units
from vksync.selectors import settings_for


@dataclass(frozen=True)
class VkCount:
    """The merchant's products on their way to VK, with the reason for each one that does not get there."""

    in_other_stores: int = 0  # products of stores not published in VK
    in_stores: int = 0  # products of the published stores
    excluded_groups: int = 0  # of those, in groups switched off (or under a group that is)
    to_vk: int = 0  # published and shown in VK
    out_of_stock: int = 0  # published, hidden in VK: nothing in stock (the settings say so)
    not_for_sale: int = 0  # published, hidden in VK: sale forbidden in Evotor (the settings say so)

    @property
    def published(self) -> int:
        """Products of the published stores and groups: what the sync looks at."""
        return self.in_stores - self.excluded_groups

    @property
    def not_to_vk(self) -> int:
        """Published products the settings keep out of VK."""
        return self.out_of_stock + self.not_for_sale

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data) -> "VkCount | None":
        """The count recorded with a plan (None for a plan recorded before counts were)."""
        if not isinstance(data, dict):
            return None
        return cls(**{name: int(data.get(name) or 0) for name in cls.__dataclass_fields__})


def vk_count(*, merchant, sync_settings: SyncSettings | None = None) -> VkCount:
    """The merchant's count now: six queries, and one pass over three columns of the published products (the stock
    less what open VK orders hold back, as the planner reads it)."""
    item_rules = rules.Rules.from_settings(sync_settings or settings_for(merchant))
    totals = Product.objects.filter(merchant=merchant, removed=False).aggregate(
        all=Count("id"), in_stores=Count("id", filter=Q(store__sync_enabled=True, store__removed=False))
    )
    reasons = {rules.NO_STOCK: 0, rules.NOT_FOR_SALE: 0, None: 0}
    reserved = reserved_units(merchant_id=merchant.pk)  # held back for open VK orders, as the planner takes it
    published = published_products(merchant=merchant).order_by().values_list("id", "quantity", "allow_to_sell")
    for pk, quantity, allow_to_sell in published.iterator(chunk_size=5000):
        product = less_reserved({"id": pk, "quantity": quantity, "allow_to_sell": allow_to_sell}, reserved)
        reasons[rules.unavailable_reason(product, item_rules)] += 1
    published_total = sum(reasons.values())
    return VkCount(
        in_other_stores=totals["all"] - totals["in_stores"],
        in_stores=totals["in_stores"],
        excluded_groups=totals["in_stores"] - published_total,
        to_vk=reasons[None],
        out_of_stock=reasons[rules.NO_STOCK],
        not_for_sale=reasons[rules.NOT_FOR_SALE],
    )


@dataclass(frozen=True)
class VkShopCount:
    """The community's shop as EvoSync last read it: what is shown, and whose it is."""

    visible: int = 0  # items shown in the VK shop
    ours: int = 0  # of those, items EvoSync keeps for a product
    hidden: int = 0  # items hidden in VK (not shown to buyers)
    expected: int = 0  # what the catalog says should be shown (VkCount.to_vk)

    @property
    def others(self) -> int:
        """Shown items EvoSync does not keep: made in VK by hand, or by someone else."""
        return self.visible - self.ours

    @property
    def to_show(self) -> int:
        """Products the catalog sends to VK that the shop does not show yet (the next sync brings them)."""
        return max(self.expected - self.ours, 0)

    @property
    def to_hide(self) -> int:
        """Items the shop still shows that the catalog no longer sends (the next sync hides them)."""
        return max(self.ours - self.expected, 0)


def vk_shop_count(*, merchant, expected: int) -> VkShopCount | None:
    """The cached VK shop of the merchant's community in one query; None when no community is connected."""
    group_id = VkConnection.objects.filter(merchant=merchant).values_list("group_id", flat=True).first()
    if not group_id:
        return None
    ours = Exists(
        ProductLink.objects.filter(
            merchant=merchant, group_id=group_id, vk_item_id=OuterRef("vk_id"), state=ProductLink.State.ACTIVE
        )
    )
    shown = ~Q(availability=VkItem.Availability.REMOVED)
    totals = VkItem.objects.filter(merchant=merchant, group_id=group_id).aggregate(
        visible=Count("id", filter=shown),
        ours=Count("id", filter=shown & Q(ours)),
        hidden=Count("id", filter=~shown),
    )
    return VkShopCount(**totals, expected=expected)
