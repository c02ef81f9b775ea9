"""An order's items held back in VK at once (the last one is not sold twice), given back when the order is
cancelled — by the merchant on the order's page (through market.editOrder) or by VK's news — and settled once the
register's stock, read again (a catalog refresh, the recheck after a sale), has fallen by the reserved quantity."""

from catalog.models import Product
from catalog.signals import catalog_changed, stock_changed
from emulators.vk import orders
from emulators.vk.conformance import assert_calls_fit_schema
from emulators.vk.fixtures import TEST_GROUP_ID
from orders.models import Order, OrderItem
from orders.tests.conftest import BUYER_ID

R = OrderItem.Reservation


def stock(shop) -> int:
    return shop.vk.communities[TEST_GROUP_ID].shop.items[shop.mapped_item].stock_amount


def order_two(shop, deliver) -> Order:
    orders.place_order(shop.vk, TEST_GROUP_ID, BUYER_ID, [(shop.mapped_item, 2), (shop.hand_made, 1)])
    deliver(shop.vk)
    return Order.objects.get(merchant=shop.merchant)


def test_a_new_order_lowers_the_items_stock_in_vk_at_once(callback_ready, deliver):
    shop = callback_ready
    order = order_two(shop, deliver)
    assert stock(shop) == 1
    mapped = order.items.get(vk_item_id=shop.mapped_item)
    assert (mapped.reservation, mapped.reserved_quantity) == (R.RESERVED, 2)
    assert order.items.get(vk_item_id=shop.hand_made).reservation == R.NOT_TRACKED
    assert_calls_fit_schema(shop.vk)


def test_the_last_item_cannot_be_ordered_twice(callback_ready, deliver):
    shop = callback_ready
    orders.place_order(shop.vk, TEST_GROUP_ID, BUYER_ID, [(shop.mapped_item, 3)])
    deliver(shop.vk)
    assert stock(shop) == 0
    try:
        orders.place_order(shop.vk, TEST_GROUP_ID, BUYER_ID, [(shop.mapped_item, 1)])
    except ValueError as refused:
        assert "cannot be ordered" in str(refused)
    else:
        raise AssertionError("VK sold an item that was reserved")


def test_no_reservation_when_the_setting_is_off(callback_ready, deliver, settings):
    settings.ORDERS_RESERVE_STOCK = False
    shop = callback_ready
    order = order_two(shop, deliver)
    assert stock(shop) == 3 and order.items.get(vk_item_id=shop.mapped_item).reservation == R.NONE


def test_the_merchant_cancels_on_the_page_vk_hears_it_and_the_stock_comes_back(
    callback_ready, deliver, client, django_capture_on_commit_callbacks
):
    shop = callback_ready
    order = order_two(shop, deliver)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(f"/orders/{order.pk}/status", {"status": Order.Status.CANCELLED}, follow=True)
    assert "Статус заказа в VK: «Отменён»" in answer.content.decode()
    deliver(shop.vk)  # VK tells of the edit it made: nothing moves twice
    assert shop.vk.communities[TEST_GROUP_ID].orders[order.vk_order_id].status == 5
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert stock(shop) == 3
    assert order.items.get(vk_item_id=shop.mapped_item).reservation == R.RELEASED
    assert_calls_fit_schema(shop.vk)


def test_a_cancel_made_in_vk_releases_the_stock_too(callback_ready, deliver):
    shop = callback_ready
    order = order_two(shop, deliver)
    orders.edit_order_by_hand(shop.vk, TEST_GROUP_ID, order.vk_order_id, status=5)
    deliver(shop.vk)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and stock(shop) == 3


def test_every_status_has_vks_russian_label_and_a_status_change_reaches_vk(callback_ready, deliver, client):
    shop = callback_ready
    order = order_two(shop, deliver)
    page = client.get(f"/orders/{order.pk}").content.decode()
    for label in ("Новый", "Согласуется", "Собирается", "Доставляется", "Выполнен", "Отменён", "Возвращён"):
        assert label in page
    client.post(f"/orders/{order.pk}/status", {"status": Order.Status.DELIVERING})
    assert shop.vk.communities[TEST_GROUP_ID].orders[order.vk_order_id].status == 3
    assert stock(shop) == 1  # not a cancel: the reservation stays


def test_a_status_vk_refuses_is_shown_and_nothing_changes(callback_ready, deliver, client):
    shop = callback_ready
    order = order_two(shop, deliver)
    shop.vk.fail_next("market.editOrder", 1456)
    answer = client.post(f"/orders/{order.pk}/status", {"status": Order.Status.DELIVERED}, follow=True)
    assert "VK не принял изменение" in answer.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.NEW


def test_a_catalog_refresh_that_read_the_sale_settles_the_reservation_and_a_later_cancel_leaves_vk_alone(
    callback_ready, deliver, client, django_capture_on_commit_callbacks
):
    shop = callback_ready
    order = order_two(shop, deliver)
    catalog_changed.send(sender=None, merchant=shop.merchant, trigger="refresh")
    assert order.items.get(vk_item_id=shop.mapped_item).reservation == R.RESERVED  # the register still has 3
    Product.objects.filter(pk=shop.product.pk).update(quantity=1)  # the refresh read the sale of the 2
    catalog_changed.send(sender=None, merchant=shop.merchant, trigger="refresh")
    assert order.items.get(vk_item_id=shop.mapped_item).reservation == R.SETTLED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/orders/{order.pk}/status", {"status": Order.Status.CANCELLED})
    assert stock(shop) == 1  # the register's stock governs now


def test_an_order_for_an_item_evosync_did_not_make_is_kept_and_shown_as_such(callback_ready, deliver, client):
    shop = callback_ready
    orders.place_order(shop.vk, TEST_GROUP_ID, BUYER_ID, [(shop.hand_made, 1)])
    deliver(shop.vk)
    order = Order.objects.get(merchant=shop.merchant)
    [item] = order.items.all()
    assert item.product is None and item.title == "Открытка ручной работы"
    page = client.get(f"/orders/{order.pk}").content.decode()
    assert "не из каталога Эвотор" in page and "Открытка ручной работы" in page
    assert order.display_order_id in client.get("/orders").content.decode()


def test_status_changes_are_on_the_audit_trail_with_who_made_them(callback_ready, deliver, client):
    from audit.models import AuditEvent, Event

    shop = callback_ready
    order = order_two(shop, deliver)
    client.post(f"/orders/{order.pk}/status", {"status": Order.Status.DELIVERING})
    orders.edit_order_by_hand(shop.vk, TEST_GROUP_ID, order.vk_order_id, status=5)
    deliver(shop.vk)
    by_merchant, by_vk = AuditEvent.objects.filter(event=Event.ORDER_STATUS_CHANGED).order_by("pk")
    assert by_merchant.merchant_id == by_vk.merchant_id == shop.merchant.pk
    assert by_merchant.actor_id == shop.merchant.pk and by_vk.actor_id is None
    assert by_merchant.changes["статус"][1] == "Доставляется" and by_vk.changes["статус"][1] == "Отменён"
    assert "по данным VK" in by_vk.summary


def test_the_registers_stock_read_after_a_sale_settles_the_reservations_of_those_products_only(callback_ready, deliver):
    shop = callback_ready
    order = order_two(shop, deliver)
    line = order.items.get(vk_item_id=shop.mapped_item)
    stock_changed.send(sender=None, merchant=shop.merchant, before={str(line.product_id + 1000): {}})
    assert order.items.get(pk=line.pk).reservation == R.RESERVED  # another product's sale settles nothing
    Product.objects.filter(pk=line.product_id).update(quantity=1)  # the recheck read the sale of the 2
    stock_changed.send(sender=None, merchant=shop.merchant, before={str(line.product_id): {"quantity": "3"}})
    assert order.items.get(pk=line.pk).reservation == R.SETTLED
