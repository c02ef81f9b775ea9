"""Refreshing the VK shop cache: every page read, few requests, bulk upserts, vanished items removed."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from connections.models import VkConnection
from connections.tests.factories import VkConnectionFactory
from connections.vk.client import VkClient
from emulators.vk.fixtures import TEST_GROUP_ID, TEST_TOKEN
from vkshop import services
from vkshop.models import VkAlbum, VkItem, VkItemInAlbum
from vkshop.tasks import refresh_all_vk_shops, refresh_vk_shop

pytestmark = pytest.mark.django_db


def fill_shop(emu, items: int, albums: int = 3) -> list[int]:
    album_ids = [emu.add_album(TEST_GROUP_ID, f"Подборка {n}") for n in range(albums)]
    for n in range(items):
        emu.add_item(TEST_GROUP_ID, f"Товар {n:04d}", price=f"{n}.50", sku=f"SKU-{n}", album_ids=album_ids[: n % 3])
    return album_ids


def test_a_thousand_items_are_read_in_two_requests(vk_emulator):
    fill_shop(vk_emulator, 1000)
    connection = VkConnectionFactory()
    result = services.refresh_vk_shop(merchant=connection.merchant)
    assert (result.items, result.albums, result.removed_items) == (1000, 3, 0)
    assert vk_emulator.request_count == 2 and result.requests == 2
    assert vk_emulator.counts["market.get"] == 5 and vk_emulator.counts["execute"] == 2
    assert all(
        inner["params"]["count"] == "200" and inner["params"]["with_disabled"] == "1"
        for entry in vk_emulator.request_log
        for inner in entry["inner"]
        if inner["method"] == "market.get"
    )
    assert VkItem.objects.filter(merchant=connection.merchant).count() == 1000
    assert VkItemInAlbum.objects.filter(item__merchant=connection.merchant).count() == 333 + 2 * 333


def test_items_are_stored_with_price_availability_albums_and_photos(vk_emulator):
    albums = fill_shop(vk_emulator, 0, albums=2)
    item_id = vk_emulator.add_item(TEST_GROUP_ID, "Чай зелёный", price="123.50", sku="EVO-1", album_ids=albums,
                                   hidden=True, stock_amount=4)  # fmt: skip
    connection = VkConnectionFactory()
    services.refresh_vk_shop(merchant=connection.merchant)
    item = VkItem.objects.get(vk_id=item_id)
    assert (item.title, item.price, item.sku, item.stock_amount) == ("Чай зелёный", Decimal("123.50"), "EVO-1", 4)
    assert item.availability == VkItem.Availability.REMOVED  # hidden items come too (with_disabled)
    assert sorted(item.album_ids) == sorted(albums) and item.group_id == TEST_GROUP_ID and item.date


def test_a_second_refresh_updates_and_removes_what_vk_no_longer_has(vk_emulator):
    fill_shop(vk_emulator, 10)
    connection = VkConnectionFactory()
    services.refresh_vk_shop(merchant=connection.merchant)
    shop = vk_emulator.shop(TEST_GROUP_ID)
    gone = sorted(shop.items)[:2]
    for item_id in gone:
        vk_emulator.delete_item_by_hand(TEST_GROUP_ID, item_id)
    changed = sorted(shop.items)[0]
    shop.items[changed].price = Decimal("999.00")
    shop.items[changed].album_ids = []
    result = services.refresh_vk_shop(merchant=connection.merchant)
    assert (result.items, result.removed_items) == (8, 2)
    assert not VkItem.objects.filter(vk_id__in=gone).exists()
    assert VkItem.objects.get(vk_id=changed).price == Decimal("999.00")
    assert not VkItemInAlbum.objects.filter(item__vk_id=changed).exists()
    assert VkItem.objects.count() == 8


def test_a_changed_community_replaces_the_cache(vk_emulator):
    fill_shop(vk_emulator, 5)
    connection = VkConnectionFactory()
    services.refresh_vk_shop(merchant=connection.merchant)
    vk_emulator.add_community(group_id=8002, name="Новый", screen_name="newshop", admins=[501])
    vk_emulator.add_item(8002, "Кофе в зёрнах")
    VkConnection.objects.filter(pk=connection.pk).update(group_id=8002)
    services.refresh_vk_shop(merchant=connection.merchant)
    assert list(VkItem.objects.values_list("group_id", "title")) == [(8002, "Кофе в зёрнах")]
    assert not VkAlbum.objects.exists()


def test_a_broken_connection_never_stops_the_others(vk_emulator):
    fill_shop(vk_emulator, 3)
    vk_emulator.add_community(group_id=8003, name="Без товаров", admins=[501], market_enabled=False)
    broken = VkConnectionFactory(group_id=8003)
    fine = VkConnectionFactory()
    summary = refresh_all_vk_shops.delay().get()
    assert summary == {"refreshed": 1, "failed": 1, "skipped": 0}
    assert VkItem.objects.filter(merchant=fine.merchant).count() == 3
    broken.refresh_from_db()
    assert broken.status == "broken" and "товары" in broken.last_error


def test_broken_connections_wait_for_the_merchant(vk_emulator):
    VkConnectionFactory(status="broken")
    assert services.refresh_all_vk_shops() == {"refreshed": 0, "failed": 0, "skipped": 0}
    assert vk_emulator.request_count == 0


def test_refresh_task_fills_one_merchants_vk_shop_cache(vk_emulator):
    fill_shop(vk_emulator, 4)
    connection = VkConnectionFactory()
    refresh_vk_shop.delay(connection.merchant_id)
    assert VkItem.objects.filter(merchant=connection.merchant).count() == 4


def test_command_for_one_user_and_for_all(vk_emulator, capsys):
    fill_shop(vk_emulator, 4)
    connection = VkConnectionFactory()
    call_command("refresh_vk_catalog", "--user", connection.merchant.email)
    assert "4 items" in capsys.readouterr().out
    call_command("refresh_vk_catalog", "--all")
    assert "refreshed 1" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("refresh_vk_catalog", "--user", "nobody@example.com")


def test_command_explains_a_broken_connection(vk_emulator):
    connection = VkConnectionFactory()
    vk_emulator.revoke_token(connection.access_token)
    with pytest.raises(CommandError, match="токен"):
        call_command("refresh_vk_catalog", "--user", connection.merchant.email)


def test_pages_are_read_one_per_execute_when_vk_finds_the_answer_too_big(vk_emulator):
    fill_shop(vk_emulator, 700)
    vk_emulator.execute_response_limit_bytes = 150_000  # more than one page of 200 items, less than two
    connection = VkConnectionFactory()
    result = services.refresh_vk_shop(merchant=connection.merchant)
    assert result.items == 700
    assert 13 in vk_emulator.error_codes_seen()
    assert VkItem.objects.filter(merchant=connection.merchant).count() == 700


def test_a_shop_whose_size_the_cache_knows_is_read_in_one_request(vk_emulator):
    fill_shop(vk_emulator, 1000)
    connection = VkConnectionFactory()
    services.refresh_vk_shop(merchant=connection.merchant)  # an empty cache: the first page tells the size
    vk_emulator.reset_log()
    result = services.refresh_vk_shop(merchant=connection.merchant)
    assert result.items == 1000 and vk_emulator.request_count == 1
    assert vk_emulator.counts["market.get"] == 6  # its 5 pages and a spare one, in case it grew


def test_a_big_shop_packs_25_pages_to_a_request(vk_emulator):
    fill_shop(vk_emulator, 9000, albums=1)
    connection = VkConnectionFactory()
    result = services.refresh_vk_shop(merchant=connection.merchant)
    assert result.items == 9000
    assert vk_emulator.request_count == 3  # albums + 1 page, then 25 pages, then the last 19
    vk_emulator.reset_log()
    services.refresh_vk_shop(merchant=connection.merchant)
    assert vk_emulator.request_count == 2  # albums + 24 pages, then 22 (45 pages in all, and a spare one)


def test_an_answer_too_big_halves_the_pack_once_for_the_rest_of_the_read(vk_emulator):
    fill_shop(vk_emulator, 4000, albums=1)
    page = len(json.dumps(VkClient(TEST_TOKEN).call("market.get", owner_id=-TEST_GROUP_ID, count=200, extended=1)))
    vk_emulator.execute_response_limit_bytes = int(page * 4.5)  # four pages fit, five do not
    vk_emulator.reset_log()
    client = VkClient(TEST_TOKEN)
    pages = services.read_vk_shop(client, TEST_GROUP_ID, expected_items=0)
    assert len(pages.items) == 4000
    assert client.reads_per_execute == 4  # 19 pages did not fit, nor 9; 4 did
    too_big = [entry for entry in vk_emulator.request_log if entry.get("error_code") == 13]
    assert len(too_big) == 2  # once per halving, never again for the later packs of the same read
    vk_emulator.reset_log()
    assert len(services.read_vk_shop(client, TEST_GROUP_ID, expected_items=4000).items) == 4000
    assert 13 not in vk_emulator.error_codes_seen()  # the same connection in the same run remembers
