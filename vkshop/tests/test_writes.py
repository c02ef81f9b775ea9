"""When the VK shop cache may be trusted without reading the shop again, and what a sync's writes do to it."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from emulators.vk.fixtures import TEST_GROUP_ID
from vkshop import writes
from vkshop.models import VkAlbum, VkItem, VkItemInAlbum
from vkshop.tests.factories import VkAlbumFactory, VkItemFactory, VkItemInAlbumFactory, VkShopStateFactory

pytestmark = pytest.mark.django_db


def test_a_cache_is_read_whole_when_never_read_untrusted_or_a_day_old(settings):
    settings.VK_SHOP_FULL_READ_SECONDS = 24 * 3600
    state = VkShopStateFactory()
    check = {"merchant": state.merchant, "group_id": TEST_GROUP_ID}
    assert writes.needs_full_read(**check) == ""
    assert writes.needs_full_read(merchant=state.merchant, group_id=TEST_GROUP_ID + 1) == "never read"
    state.full_read_at = timezone.now() - timedelta(hours=24, seconds=1)
    state.save()
    assert writes.needs_full_read(**check) == "daily full read"
    state.full_read_at, state.trusted = timezone.now(), False
    state.save()
    assert writes.needs_full_read(**check) == "writes not in the cache"


def test_writes_are_laid_over_the_cache_and_keep_it_trusted(settings):
    state = VkShopStateFactory()
    mine = {"merchant": state.merchant, "group_id": TEST_GROUP_ID}
    kept = VkItemFactory(**mine, vk_id=10, title="Старое имя", album_ids=[])
    gone = VkItemFactory(**mine, vk_id=11)
    was_trusted = writes.begin_writes(**mine)
    assert writes.needs_full_read(**mine) == "writes not in the cache"  # while the run writes
    sent = [
        ("market.addAlbum", {"owner_id": -TEST_GROUP_ID, "title": "Чай"}, True, {"market_album_id": 5}),
        ("market.add", {"owner_id": -TEST_GROUP_ID, "name": "Чай улун", "description": "Чай улун, 100 г",
                        "category_id": 1, "price": "350.00", "deleted": 0, "sku": "p-1", "stock_amount": 0},
         True, {"market_item_id": 12}),
        ("market.edit", {"owner_id": -TEST_GROUP_ID, "item_id": 10, "name": "Новое имя", "deleted": 1}, True, 1),
        ("market.edit", {"owner_id": -TEST_GROUP_ID, "item_id": 11, "price": "5"}, False, 1403),
        ("market.addToAlbum", {"owner_id": -TEST_GROUP_ID, "item_ids": "10,12", "album_ids": 5}, True, 1),
    ]  # fmt: skip
    assert writes.mirror_writes(**mine, writes=sent, was_trusted=was_trusted)
    kept.refresh_from_db()
    assert (kept.title, kept.availability, kept.album_ids) == ("Новое имя", VkItem.Availability.REMOVED, [5])
    made = VkItem.objects.get(**mine, vk_id=12)
    assert (made.title, str(made.price), made.sku, made.album_ids) == ("Чай улун", "350.00", "p-1", [5])
    assert made.availability == VkItem.Availability.UNAVAILABLE  # stock 0: VK shows it as not available
    assert not VkItem.objects.filter(pk=gone.pk).exists()  # VK said 1403: the item is gone
    assert writes.needs_full_read(**mine) == ""


def test_items_only_moved_between_albums_keep_the_rest_of_their_row_and_albums_count_them():
    state = VkShopStateFactory()
    mine = {"merchant": state.merchant, "group_id": TEST_GROUP_ID}
    VkAlbumFactory(**mine, vk_id=5, title="Чай")
    coffee = VkAlbumFactory(**mine, vk_id=6, title="Кофе")
    moving = VkItemInAlbumFactory(item=VkItemFactory(**mine, vk_id=10, title="Улун", price=350), album=coffee).item
    joining = VkItemFactory(**mine, vk_id=11, title="Пуэр", album_ids=[])
    was_trusted = writes.begin_writes(**mine)
    sent = [
        ("market.removeFromAlbum", {"owner_id": -TEST_GROUP_ID, "item_id": 10, "album_ids": 6}, True, 1),
        ("market.addToAlbum", {"owner_id": -TEST_GROUP_ID, "item_ids": "10,11", "album_ids": 5}, True, 1),
    ]
    assert writes.mirror_writes(**mine, writes=sent, was_trusted=was_trusted)
    for item, title in ((moving, "Улун"), (joining, "Пуэр")):
        item.refresh_from_db()
        assert (item.title, item.album_ids) == (title, [5])
        assert list(VkItemInAlbum.objects.filter(item=item).values_list("album_vk_id", flat=True)) == [5]
    assert moving.price == 350
    assert dict(VkAlbum.objects.filter(**mine).values_list("vk_id", "count")) == {5: 2, 6: 0}


def test_writes_laid_while_a_run_goes_on_keep_the_cache_untrusted_and_a_full_read_from_before_them_unstored():
    state = VkShopStateFactory()
    mine = {"merchant": state.merchant, "group_id": TEST_GROUP_ID}
    was_trusted = writes.begin_writes(**mine)
    version = writes.read_version(**mine)  # a full read starts after the run's first write
    add = ("market.add", {"owner_id": -TEST_GROUP_ID, "name": "Улун", "price": "350"}, True, {"market_item_id": 12})
    assert writes.lay_writes(**mine, writes=[add])
    assert VkItem.objects.get(**mine, vk_id=12).title == "Улун"  # laid at once
    assert writes.needs_full_read(**mine) == "writes not in the cache"
    with transaction.atomic():
        assert not writes.lock_for_store(**mine, version=version, exclusive=False)  # the read missed the lay
    refused = ("market.reorderItems", {"owner_id": -TEST_GROUP_ID, "item_id": 12, "after": 1}, True, 1)
    assert not writes.lay_writes(**mine, writes=[refused])  # a write the cache cannot follow
    edit = ("market.edit", {"owner_id": -TEST_GROUP_ID, "item_id": 12, "price": "400"}, True, 1)
    assert not writes.mirror_writes(**mine, writes=[edit], was_trusted=was_trusted, laid_understood=False)
    assert str(VkItem.objects.get(**mine, vk_id=12).price) == "400.00"
    assert writes.needs_full_read(**mine) == "writes not in the cache"


def test_an_album_deleted_in_the_same_run_leaves_the_items_the_run_moved_too():
    """Bug: an item moved by the run out of a group whose album the run then deleted kept that album in the cache:
    the album's leavers were written first, then the item's list as the run had left it, the gone album still in."""
    state = VkShopStateFactory()
    mine = {"merchant": state.merchant, "group_id": TEST_GROUP_ID}
    VkAlbumFactory(**mine, vk_id=5, title="Чай")
    gone = VkAlbumFactory(**mine, vk_id=6, title="Старая группа")
    item = VkItemInAlbumFactory(item=VkItemFactory(**mine, vk_id=10), album=gone).item
    was_trusted = writes.begin_writes(**mine)
    sent = [
        ("market.addToAlbum", {"owner_id": -TEST_GROUP_ID, "item_ids": "10", "album_ids": 5}, True, 1),
        ("market.deleteAlbum", {"owner_id": -TEST_GROUP_ID, "album_id": 6}, True, 1),
    ]
    assert writes.mirror_writes(**mine, writes=sent, was_trusted=was_trusted)
    item.refresh_from_db()
    assert item.album_ids == [5]
    assert list(VkItemInAlbum.objects.filter(item=item).values_list("album_vk_id", flat=True)) == [5]
    assert dict(VkAlbum.objects.filter(**mine).values_list("vk_id", "count")) == {5: 1}
