"""Checks shared by the sync tests and the chaos suite (tools/chaos): the VK shop (in the emulator) against the
desired state. `shop` is anything with `merchant`, `vk` (the emulator) and `group_id`."""

from collections import Counter
from decimal import Decimal

from catalog.models import ProductGroup
from catalog.selectors import published_products
from vksync.inputs import PRODUCT_FIELDS, albums_of_groups, default_photo, product_pictures
from vksync.models import AlbumLink, SyncSettings, VkPhoto
from vksync.rules import Rules, item_fields

WRITE_METHODS = {
    "market.add",
    "market.edit",
    "market.delete",
    "market.restore",
    "market.addAlbum",
    "market.editAlbum",
    "market.deleteAlbum",
    "market.addToAlbum",
    "market.removeFromAlbum",
    "market.getProductPhotoUploadServer",
    "market.saveProductPhoto",
    "market.addProperty",
    "market.addPropertyVariant",
    "market.editProperty",
    "market.groupItems",
    "market.ungroupItems",
}


# The sync settings page's form, filled in validly with the defaults (a test overrides what it is about).
SETTINGS_FORM = {
    "category_id": "401",
    "markup_percent": "0",
    "rounding": "none",
    "description_template": "{description}",
    "unavailable_action": "hide",
    "delete_grace_days": "7",
    "albums_mode": "per_group",
    "albums_across_stores": "shared",
    "sku_key": "evotor_id",
    "unit_label": "title",
    "brake_percent": "30",
}


def live_items(shop) -> list:
    return [item for item in shop.vk.shop(shop.group_id).items.values() if not item.removed]


def writes(shop) -> list[str]:
    return [m for m in shop.vk.methods_called() if m in WRITE_METHODS]


def items_by_sku(shop) -> dict:
    by_sku = {}
    for item in live_items(shop):
        assert item.sku not in by_sku, f"duplicate VK item for sku {item.sku}"
        by_sku[item.sku] = item
    return by_sku


def duplicate_items(shop) -> int:
    """Live VK items beyond the first for one sku (0 when every sku has one item)."""
    return sum(count - 1 for count in Counter(item.sku for item in live_items(shop)).values())


def lost_products(shop) -> list[str]:
    """Skus of published products the rules show (available) that have no visible VK item."""
    rules = Rules.from_settings(SyncSettings.objects.get(merchant=shop.merchant))
    visible = {item.sku for item in live_items(shop) if not item.hidden}
    wanted = (item_fields(p, rules) for p in published_products(merchant=shop.merchant).values(*PRODUCT_FIELDS))
    return [fields["sku"] for fields in wanted if not fields["deleted"] and fields["sku"] not in visible]


def assert_vk_matches_catalog(shop) -> int:
    """Every published product is in VK exactly as the rules say — every field, its one picture, its album —
    every album once under its title (the group's name, with the store's when the merchant chose so), and
    nothing else of ours shown; returns how many are visible."""
    rules = Rules.from_settings(SyncSettings.objects.get(merchant=shop.merchant))
    default_sha, _ = default_photo(SyncSettings.objects.get(merchant=shop.merchant))
    emu = shop.vk
    vk_shop = emu.shop(shop.group_id)
    by_sku = items_by_sku(shop)
    groups = albums_of_groups(shop.merchant, rules)  # Evotor group id → (album key, title, other key)
    albums = dict(AlbumLink.objects.filter(merchant=shop.merchant).values_list("group_evotor_id", "vk_album_id"))
    photo_shas = dict(VkPhoto.objects.filter(group_id=shop.group_id).values_list("photo_id", "sha256"))
    visible, published = 0, set()
    cards = dict(  # a product with modifications: its items go to the album of the group above its card
        ProductGroup.objects.filter(merchant=shop.merchant)
        .exclude(attributes=[])
        .values_list("evotor_id", "parent_evotor_id")
    )
    for product in published_products(merchant=shop.merchant).values(*PRODUCT_FIELDS):
        if product["parent_evotor_id"] in cards:
            product["parent_evotor_id"] = cards[product["parent_evotor_id"]]
        fields = item_fields(product, rules)
        published.add(fields["sku"])
        item = by_sku.get(fields["sku"])
        if item is None:
            assert fields["deleted"], f"{product['name']} is missing in VK"
            continue
        name = product["name"]
        assert item.title == fields["name"], name
        assert item.description == fields["description"], name
        assert item.price == Decimal(fields["price"]), name
        assert item.old_price == (Decimal(fields["old_price"]) if "old_price" in fields else None), name
        assert item.stock_amount == fields.get("stock_amount"), name
        assert item.category_id == fields["category_id"], name
        assert bool(item.hidden) == bool(fields["deleted"]), name
        shown = [photo_shas[photo_id] for photo_id in [item.main_photo_id, *item.photo_ids]]
        assert shown == (list(product_pictures(product)) or [default_sha]), name  # every picture, in order
        if not fields["deleted"]:
            visible += 1
            group = product["parent_evotor_id"]
            expected = [albums[groups[group][0]]] if group in groups and rules.albums_per_group else []
            assert item.album_ids == expected, product["name"]
            if expected:
                assert vk_shop.albums[expected[0]].title == groups[group][1]
    for sku, item in by_sku.items():
        if sku not in published and sku:
            assert item.hidden, f"{item.title} should be hidden"
    linked = set(albums.values())
    assert linked <= set(vk_shop.albums), f"linked albums missing in VK: {linked - set(vk_shop.albums)}"
    titles = [vk_shop.albums[album_id].title for album_id in linked]
    assert len(titles) == len(set(titles)), f"two of our albums share a title: {sorted(titles)}"
    ours = set(titles)
    twins = [a.title for album_id, a in vk_shop.albums.items() if album_id not in linked and a.title in ours]
    assert not twins, f"albums twice in VK (one not linked): {twins}"
    return visible
