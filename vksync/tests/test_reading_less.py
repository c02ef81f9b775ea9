"""Reading less: a sync plans from the VK shop cache its own writes keep, and reads the shop whole only when
that cache cannot be trusted (never read, a run stopped half way, a day since the last full read, the button)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from catalog.models import Product
from catalog.services import refresh_catalog
from connections.vk.client import VkClient
from emulators.vk.fixtures import TEST_TOKEN
from vkshop import writes as shop_writes
from vkshop.models import VkAlbum, VkItem, VkShopState
from vkshop.services import read_vk_shop, refresh_all_vk_shops, store_vk_shop
from vkshop.tasks import reconcile_all_vk_shops
from vksync.applying import context
from vksync.engine import run_sync
from vksync.models import SyncRun
from vksync.tests.helpers import assert_vk_matches_catalog, items_by_sku, live_items, writes

HOURLY = SyncRun.Trigger.REFRESH  # the sync that follows each catalog refresh


def sync(shop, trigger=HOURLY) -> SyncRun:
    shop.vk.reset_log()
    run = run_sync(merchant=shop.merchant, trigger=trigger)
    assert run is not None and run.status == SyncRun.Status.DONE, run and run.error
    return run


def reads(shop) -> list[str]:
    return [m for m in shop.vk.methods_called() if m in ("market.get", "market.getAlbums")]


def assert_cache_is_vk(shop) -> None:
    """The cache holds what VK holds: each item's id, title, price, sku, availability and albums; each album."""
    cached = {item.vk_id: item for item in VkItem.objects.filter(merchant=shop.merchant, group_id=shop.group_id)}
    in_vk = {item.id: item for item in live_items(shop)}
    assert set(cached) == set(in_vk)
    for vk_id, item in in_vk.items():
        row = cached[vk_id]
        assert (row.title, row.price, row.sku, row.availability) == (
            item.title,
            item.price,
            item.sku,
            item.availability,
        )
        assert sorted(row.album_ids) == sorted(item.album_ids)
    albums = dict(VkAlbum.objects.filter(merchant=shop.merchant, group_id=shop.group_id).values_list("vk_id", "title"))
    assert albums == {album.id: album.title for album in shop.vk.shop(shop.group_id).albums.values()}


def first_product(shop) -> Product:
    return Product.objects.filter(merchant=shop.merchant, quantity__gt=0, allow_to_sell=True).first()


def test_a_run_that_wrote_leaves_the_cache_as_vk_holds_it_without_reading_it_back(shop):
    sync(shop)
    log = shop.vk.methods_called()
    first_write = min(log.index(m) for m in ("market.add", "market.addAlbum"))
    assert not [m for m in log[first_write:] if m == "market.get"]  # nothing read after the writes
    assert_cache_is_vk(shop)
    state = VkShopState.objects.get(merchant=shop.merchant, group_id=shop.group_id)
    assert state.trusted and state.written_at is not None


def test_a_run_lays_its_item_writes_over_the_cache_while_it_goes_and_ends_with_the_cache_vk_holds(shop, monkeypatch):
    monkeypatch.setattr(context, "LAY_EVERY", 5)  # a lay after every batch of this small shop
    before = shop_writes.read_version(merchant=shop.merchant, group_id=shop.group_id)
    sync(shop)
    state = VkShopState.objects.get(merchant=shop.merchant, group_id=shop.group_id)
    assert state.version > before + 2  # begin_writes, at least one lay while the next batch was in flight, the end
    assert state.trusted
    assert_cache_is_vk(shop)
    sync(shop)
    assert shop.vk.request_count == 0


def test_a_run_that_stopped_after_laying_some_writes_makes_the_next_one_read_the_shop_whole(shop, monkeypatch):
    monkeypatch.setattr(context, "LAY_EVERY", 5)
    shop.vk.lose_answer_next("market.add", skip=1)  # the second item batch: the first is laid by then
    run = run_sync(merchant=shop.merchant, trigger=HOURLY)
    assert run.status == SyncRun.Status.FAILED
    assert VkItem.objects.filter(merchant=shop.merchant, group_id=shop.group_id).exists()  # laid before the stop
    assert shop_writes.needs_full_read(merchant=shop.merchant, group_id=shop.group_id) == "writes not in the cache"
    run = sync(shop)
    assert reads(shop) and run.adopted > 0
    assert_vk_matches_catalog(shop)
    assert_cache_is_vk(shop)


def test_items_moved_between_albums_in_several_batches_leave_the_cache_as_vk_holds_it(shop):
    from catalog.models import ProductGroup

    sync(shop)
    moved = 0
    for product in Product.objects.filter(merchant=shop.merchant, group__isnull=False, store__sync_enabled=True):
        other = ProductGroup.objects.filter(store=product.store).exclude(pk=product.group_id).first()
        shop.evotor.update_product(shop.token, product.evotor_id, parent_id=other.evotor_id)
        moved += 1
    refresh_catalog(merchant=shop.merchant)
    before = shop_writes.read_version(merchant=shop.merchant, group_id=shop.group_id)
    sync(shop)
    moves = [m for m in writes(shop) if m == "market.removeFromAlbum"]
    assert len(moves) > 25  # a removal is one item a call: more than one membership batch
    state = VkShopState.objects.get(merchant=shop.merchant, group_id=shop.group_id)
    assert state.trusted and state.version > before + 2  # a batch laid while the next was in flight
    assert_cache_is_vk(shop)
    assert_vk_matches_catalog(shop)


def test_a_resync_with_nothing_changed_sends_no_request_at_all(shop):
    sync(shop)
    run = sync(shop)
    assert shop.vk.request_count == 0
    assert run.plan_summary["writes"] == 0


def test_a_change_is_planned_from_the_cache_its_edit_written_into_it(shop):
    sync(shop)
    product = first_product(shop)
    shop.evotor.update_product(shop.token, product.evotor_id, price=777.5, name="Чай новый «Полдень»")
    refresh_catalog(merchant=shop.merchant)
    run = sync(shop)
    assert shop.vk.methods_called() == ["execute", "market.edit"] and run.updated == 1
    assert_cache_is_vk(shop)
    row = VkItem.objects.get(merchant=shop.merchant, sku=product.evotor_id)
    assert (row.title, row.price) == ("Чай новый «Полдень»", Decimal("777.50"))
    assert sync(shop) and shop.vk.request_count == 0  # and the run after it reads nothing again


def test_an_item_deleted_by_hand_in_vk_comes_back_after_the_daily_full_read(shop):
    sync(shop)
    victim = live_items(shop)[0]
    shop.vk.delete_item_by_hand(shop.group_id, victim.id)
    sync(shop)
    assert shop.vk.request_count == 0  # within the day the cache is trusted: the hand edit is not seen yet
    day_ago = timezone.now() - timedelta(seconds=24 * 3600 + 1)
    VkShopState.objects.filter(merchant=shop.merchant).update(full_read_at=day_ago)
    run = sync(shop)
    assert reads(shop) and run.created == 1
    assert victim.sku in items_by_sku(shop)
    assert_vk_matches_catalog(shop)
    assert_cache_is_vk(shop)


def test_the_daily_reconcile_reads_a_kept_shop_and_the_next_sync_repairs_the_hand_edit(shop):
    sync(shop)
    victim = live_items(shop)[0]
    shop.vk.delete_item_by_hand(shop.group_id, victim.id)
    shop.vk.reset_log()
    assert refresh_all_vk_shops() == {"refreshed": 0, "failed": 0, "skipped": 1}  # hourly: kept by the sync
    assert shop.vk.request_count == 0
    assert reconcile_all_vk_shops.delay().get() == {"refreshed": 1, "failed": 0, "skipped": 0}
    assert_cache_is_vk(shop)
    run = sync(shop)
    assert run.created == 1 and reads(shop) == []  # the reconcile's read counts as the day's full read
    assert_vk_matches_catalog(shop)


def test_a_run_that_stopped_half_way_makes_the_next_one_read_the_shop_whole(shop):
    shop.vk.lose_answer_next("market.add", skip=1)
    shop.vk.reset_log()
    run = run_sync(merchant=shop.merchant, trigger=HOURLY)
    assert run.status == SyncRun.Status.FAILED
    assert shop_writes.needs_full_read(merchant=shop.merchant, group_id=shop.group_id) == "writes not in the cache"
    run = sync(shop)
    assert reads(shop) and run.adopted > 0  # the items of the lost answer were seen and adopted, not made twice
    assert_vk_matches_catalog(shop)
    assert_cache_is_vk(shop)
    sync(shop)
    assert shop.vk.request_count == 0


def test_the_sync_now_button_reads_the_shop_whole(shop):
    sync(shop)
    sync(shop, trigger=SyncRun.Trigger.MANUAL)
    assert reads(shop) and writes(shop) == []


def test_a_full_read_that_overlapped_a_sync_write_is_not_kept(shop):
    sync(shop)
    version = shop_writes.read_version(merchant=shop.merchant, group_id=shop.group_id)
    pages = read_vk_shop(VkClient(TEST_TOKEN), shop.group_id)  # read before the write below
    product = first_product(shop)
    shop.evotor.update_product(shop.token, product.evotor_id, name="Новое имя товара")
    refresh_catalog(merchant=shop.merchant)
    sync(shop)
    stored = store_vk_shop(merchant=shop.merchant, group_id=shop.group_id, pages=pages, read_version=version)
    assert stored is None
    assert VkItem.objects.get(merchant=shop.merchant, sku=product.evotor_id).title == "Новое имя товара"
    assert_cache_is_vk(shop)


def test_a_write_the_cache_cannot_follow_leaves_it_to_a_full_read(shop):
    sync(shop)
    was_trusted = shop_writes.begin_writes(merchant=shop.merchant, group_id=shop.group_id)
    sent = [("market.reorderItems", {"owner_id": -shop.group_id, "item_id": 1, "after": 2}, True, 1)]
    assert not shop_writes.mirror_writes(
        merchant=shop.merchant, group_id=shop.group_id, writes=sent, was_trusted=was_trusted
    )
    sync(shop)
    assert reads(shop)


def test_an_item_vk_lost_is_dropped_from_the_cache_by_the_answer_of_its_edit(shop):
    sync(shop)
    product = first_product(shop)
    item = items_by_sku(shop)[product.evotor_id]
    shop.vk.delete_item_by_hand(shop.group_id, item.id)
    shop.evotor.update_product(shop.token, product.evotor_id, price=555)
    refresh_catalog(merchant=shop.merchant)
    run = sync(shop)  # the edit answers 1403; the item is made again
    assert run.created == 1
    assert_cache_is_vk(shop)
    assert not VkItem.objects.filter(merchant=shop.merchant, vk_id=item.id).exists()


def test_variant_writes_leave_the_cached_items_trusted(shop):
    sync(shop)
    was_trusted = shop_writes.begin_writes(merchant=shop.merchant, group_id=shop.group_id)
    sent = [
        ("market.addProperty", {"owner_id": -shop.group_id, "title": "Размер"}, True, {"property_id": 1}),
        ("market.groupItems", {"owner_id": -shop.group_id, "item_ids": "1,2"}, True, 1),
    ]
    assert shop_writes.mirror_writes(
        merchant=shop.merchant, group_id=shop.group_id, writes=sent, was_trusted=was_trusted
    )
    sync(shop)
    assert not reads(shop)


def test_the_spread_hourly_refresh_skips_a_kept_shop_and_the_spread_daily_one_reads_it(shop):
    from vkshop.tasks import refresh_vk_shop

    sync(shop)
    victim = live_items(shop)[0]
    shop.vk.delete_item_by_hand(shop.group_id, victim.id)
    shop.vk.reset_log()
    refresh_vk_shop.delay(shop.merchant.pk, unless_kept=True)  # its moment in the hour: kept by the sync
    assert shop.vk.request_count == 0
    refresh_vk_shop.delay(shop.merchant.pk, unless_kept=False)  # its moment in the day: read whole
    assert shop.vk.request_count > 0
    assert_cache_is_vk(shop)
