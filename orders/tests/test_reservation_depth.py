"""An open VK order's reservation holds in VK whatever the sync does: a full sync and the stock push send the
register's stock less the open orders' reservations; a cancel gives it back; the register's sale of those items
settles it, and from then on VK shows the register's stock as it is. Through both emulators: the register
(Evotor) with a real catalog, the community (VK) with the items EvoSync made and the buyer's order."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection as database
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from catalog.models import Product, Store
from catalog.services import refresh_catalog
from catalog.stock import recheck_stock
from catalog.tests.factories import ProductFactory, StockRecheckFactory
from catalog.triggers import refresh_soon_key
from connections.tests.factories import EvotorConnectionFactory, VkConnectionFactory
from emulators.vk import orders
from emulators.vk.fixtures import TEST_COMMUNITY_TOKEN, TEST_GROUP_ID
from orders import tasks
from orders.models import Order, OrderItem
from orders.reservations import reserved_units
from orders.tests.conftest import BUYER_ID
from orders.tests.factories import OrderFactory, OrderItemFactory
from vksync import reserved
from vksync.engine import run_sync
from vksync.models import ProductLink, SyncRun, SyncSettings
from vksync.tests.factories import SyncSettingsFactory
from webhooks.services import api_token_for

R = OrderItem.Reservation
TOKEN = "tok-reserve"


@pytest.fixture
def synced(db, evotor_emulator, vk_emulator, settings, client, django_capture_on_commit_callbacks):
    """A register with a generated catalog, one product of which has 5 in stock; synced once to VK with stock
    sent; the community token saved (orders are polled); a buyer in VK."""
    settings.ORDERS_RESERVE_STOCK = True
    merchant = UserFactory()
    ids = evotor_emulator.add_merchant(token=TOKEN, user_id="01-000000000000091", seed=11, stores=1, groups=2,
                                       products=12, image_share=0)  # fmt: skip
    EvotorConnectionFactory(merchant=merchant, token=TOKEN, evotor_user_id=ids["user_id"])
    VkConnectionFactory(merchant=merchant, community_token=TEST_COMMUNITY_TOKEN)
    vk_emulator.add_user(token="vk-buyer-token", user_id=BUYER_ID, name="Мария Покупатель")
    refresh_catalog(merchant=merchant)
    Store.objects.filter(merchant=merchant).update(sync_enabled=True)
    target = Product.objects.filter(merchant=merchant, allow_to_sell=True).order_by("name").first()
    evotor_emulator.update_product(TOKEN, target.evotor_id, quantity=5)
    refresh_catalog(merchant=merchant)
    SyncSettingsFactory(merchant=merchant)
    SyncSettings.objects.filter(merchant=merchant).update(enabled=True, send_stock=True)
    assert run_sync(merchant=merchant).status == SyncRun.Status.DONE
    shop = SimpleNamespace(merchant=merchant, evotor=evotor_emulator, vk=vk_emulator, client=client, ids=ids)
    shop.product = Product.objects.get(pk=target.pk)
    shop.item_id = ProductLink.objects.get(product=shop.product).vk_item_id
    shop.capture = django_capture_on_commit_callbacks
    client.force_login(merchant)
    assert vk_stock(shop) == 5
    yield shop
    cache.delete(refresh_soon_key(merchant.pk, "stock"))


def vk_stock(shop) -> int:
    return shop.vk.communities[TEST_GROUP_ID].shop.items[shop.item_id].stock_amount


def order_two(shop) -> Order:
    """The buyer orders 2 in VK; the poll brings the order and the reservation is made."""
    orders.place_order(shop.vk, TEST_GROUP_ID, BUYER_ID, [(shop.item_id, 2)])
    with shop.capture(execute=True):
        tasks.poll_orders(shop.merchant.pk)
    order = Order.objects.get(merchant=shop.merchant)
    assert order.items.get().reservation == R.RESERVED and vk_stock(shop) == 3
    return order


def price_changed_at_the_register(shop, price: int) -> None:
    shop.evotor.update_product(TOKEN, shop.product.evotor_id, price=price)


def full_sync_after_a_refresh(shop) -> None:
    """The hourly path: the catalog read again (its signal heard), then a full sync."""
    with shop.capture(execute=True):
        refresh_catalog(merchant=shop.merchant)
    assert run_sync(merchant=shop.merchant).status == SyncRun.Status.DONE


def post_receipt(shop, receipt: dict) -> int:
    """Evotor's receipt notification; what it queued (the recheck, then the push) runs as the worker would."""
    cache.delete(refresh_soon_key(shop.merchant.pk, "stock"))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(shop.ids['user_id'])}"}
    with shop.capture(execute=True):
        return shop.client.post(
            "/api/v2/receipts", data=receipt, content_type="application/json", **headers
        ).status_code


def stock_push_of_the_product(shop) -> None:
    """The register's back office changed the product (a revaluation); the fast path re-reads it and pushes."""
    StockRecheckFactory(
        merchant=shop.merchant, store_evotor_id=shop.product.store.evotor_id, product_evotor_id=shop.product.evotor_id
    )
    with shop.capture(execute=True):
        recheck_stock(merchant=shop.merchant)
    assert SyncRun.objects.filter(merchant=shop.merchant, trigger=SyncRun.Trigger.STOCK).exists()


def test_a_full_sync_keeps_an_open_orders_reservation_held_in_vk(synced):
    order_two(synced)
    price_changed_at_the_register(synced, 777)
    full_sync_after_a_refresh(synced)
    item = synced.vk.communities[TEST_GROUP_ID].shop.items[synced.item_id]
    assert (item.stock_amount, str(item.price)) == (3, "777.00")  # 5 at the register, 2 held for the order
    assert Order.objects.get().items.get().reservation == R.RESERVED  # the refresh saw no sale: nothing settled


def test_the_stock_push_keeps_an_open_orders_reservation_held_in_vk(synced):
    order_two(synced)
    price_changed_at_the_register(synced, 555)
    stock_push_of_the_product(synced)
    item = synced.vk.communities[TEST_GROUP_ID].shop.items[synced.item_id]
    assert (item.stock_amount, str(item.price)) == (3, "555.00")


def test_after_a_cancel_the_sync_sends_the_registers_whole_stock(synced):
    order = order_two(synced)
    with synced.capture(execute=True):
        synced.client.post(f"/orders/{order.pk}/status", {"status": Order.Status.CANCELLED})
    assert vk_stock(synced) == 5
    price_changed_at_the_register(synced, 444)
    full_sync_after_a_refresh(synced)
    price_changed_at_the_register(synced, 333)
    stock_push_of_the_product(synced)
    assert vk_stock(synced) == 5 and str(synced.vk.communities[TEST_GROUP_ID].shop.items[synced.item_id].price) == (
        "333.00"
    )


def test_the_registers_sale_of_the_ordered_items_settles_the_reservation_and_vk_shows_the_register_stock(synced):
    order = order_two(synced)
    assert post_receipt(synced, synced.evotor.sell(TOKEN, synced.product.evotor_id, 2, notify=False)) == 200
    assert order.items.get().reservation == R.SETTLED
    assert vk_stock(synced) == 3  # the register's 3, not 3 less the 2 it has already counted
    price_changed_at_the_register(synced, 999)
    full_sync_after_a_refresh(synced)
    assert vk_stock(synced) == 3
    with synced.capture(execute=True):
        synced.client.post(f"/orders/{order.pk}/status", {"status": Order.Status.CANCELLED})
    assert vk_stock(synced) == 3  # settled: the register governs, a later cancel leaves VK alone


def test_a_sale_of_fewer_than_the_reserved_items_settles_nothing(synced):
    order = order_two(synced)
    assert post_receipt(synced, synced.evotor.sell(TOKEN, synced.product.evotor_id, 1, notify=False)) == 200
    assert order.items.get().reservation == R.RESERVED
    assert vk_stock(synced) == 2  # the register's 4 less the order's 2


def test_a_delivered_order_holds_nothing_back(synced):
    order = order_two(synced)
    synced.client.post(f"/orders/{order.pk}/status", {"status": Order.Status.DELIVERED})
    assert order.items.get().reservation == R.SETTLED
    assert reserved_units(merchant_id=synced.merchant.pk) == {}


def test_reserved_units_are_one_query_for_any_number_of_products(db):
    merchant = UserFactory()
    for quantity in (2, 3):
        OrderItemFactory(order=OrderFactory(merchant=merchant), reservation=R.RESERVED, reserved_quantity=quantity,
                         product=None)  # fmt: skip
    lines = []
    for quantity in (2, 3, 4):
        line = OrderItemFactory(order=OrderFactory(merchant=merchant), reservation=R.RESERVED,
                                reserved_quantity=quantity)  # fmt: skip
        lines.append(line)
    products = ProductFactory.create_batch(2, store__merchant=merchant)
    OrderItem.objects.filter(pk=lines[0].pk).update(product=products[0])
    OrderItem.objects.filter(pk__in=[lines[1].pk, lines[2].pk]).update(product=products[1])
    OrderItemFactory(order=OrderFactory(merchant=merchant, status=Order.Status.CANCELLED), product=products[0],
                     reservation=R.RESERVED, reserved_quantity=9)  # fmt: skip
    with CaptureQueriesContext(database) as queries:
        everything = reserved.reserved_units(merchant_id=merchant.pk)
        some = reserved.reserved_units(merchant_id=merchant.pk, product_ids=[products[1].pk, 10**9])
    assert everything == {products[0].pk: 2, products[1].pk: 7}
    assert some == {products[1].pk: 7}
    assert len(queries) == 2
    assert reserved.reserved_units(merchant_id=UserFactory().pk) == {}


def test_the_one_count_sees_an_item_whose_whole_stock_is_held_for_orders_as_out_of_stock(synced):
    from vksync.counts import vk_count

    before = vk_count(merchant=synced.merchant)
    orders.place_order(synced.vk, TEST_GROUP_ID, BUYER_ID, [(synced.item_id, 5)])
    with synced.capture(execute=True):
        tasks.poll_orders(synced.merchant.pk)
    after = vk_count(merchant=synced.merchant)
    assert (after.to_vk, after.out_of_stock) == (before.to_vk - 1, before.out_of_stock + 1)
    assert run_sync(merchant=synced.merchant).status == SyncRun.Status.DONE
    assert synced.vk.communities[TEST_GROUP_ID].shop.items[synced.item_id].stock_amount == 0
