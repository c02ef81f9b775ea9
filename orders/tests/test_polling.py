"""market.getGroupOrders as the fallback: orders placed while EvoSync was down (or with no Callback API) are found
by the next poll, once; the beat's poll reaches every merchant with a working community token."""

import pytest

from connections.vk.errors import VkApiError
from emulators.vk import orders
from emulators.vk.conformance import assert_calls_fit_schema
from emulators.vk.fixtures import TEST_GROUP_ID
from orders import polling, tasks
from orders.models import Order, OrdersAccess
from orders.tests.conftest import BUYER_ID


def test_orders_placed_while_evosync_was_down_are_found_by_the_next_poll_once(
    shop, django_capture_on_commit_callbacks, mailoutbox
):
    placed = [orders.place_order(shop.vk, TEST_GROUP_ID, BUYER_ID, [(shop.mapped_item, 1)]) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.poll_all_orders() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.poll_orders(shop.merchant.pk) == 0  # the second poll finds nothing new

    found = Order.objects.filter(merchant=shop.merchant)
    assert sorted(found.values_list("vk_order_id", flat=True)) == sorted(placed)
    assert {order.arrived_by for order in found} == {Order.ArrivedBy.POLLING}
    assert all(order.items.count() == 1 for order in found)
    assert len([mail for mail in mailoutbox if "Новый заказ" in mail.subject]) == 3
    assert_calls_fit_schema(shop.vk)


def test_a_status_changed_in_vk_while_down_is_taken_by_the_poll(shop, django_capture_on_commit_callbacks):
    vk_id = orders.place_order(shop.vk, TEST_GROUP_ID, BUYER_ID, [(shop.mapped_item, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        tasks.poll_orders(shop.merchant.pk)
    orders.edit_order_by_hand(shop.vk, TEST_GROUP_ID, vk_id, status=2)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.poll_orders(shop.merchant.pk)
    assert Order.objects.get(vk_order_id=vk_id).status == Order.Status.ASSEMBLING


def test_an_order_vk_posts_after_the_poll_found_it_is_not_doubled(callback_ready, deliver):
    shop = callback_ready
    orders.place_order(shop.vk, TEST_GROUP_ID, BUYER_ID, [(shop.mapped_item, 1)])
    tasks.poll_orders(shop.merchant.pk)  # the poll comes first; the callback arrives after
    deliver(shop.vk)
    assert Order.objects.count() == 1


def test_without_the_extended_market_the_poll_records_nothing_and_keeps_vks_reason(shop):
    shop.vk.communities[TEST_GROUP_ID].extended_market = False
    orders.place_order(shop.vk, TEST_GROUP_ID, BUYER_ID, [(shop.mapped_item, 1)])
    with pytest.raises(VkApiError) as refused:
        polling.poll_orders(connection=shop.connection)
    assert refused.value.code == 1409 and not Order.objects.exists()
    assert "расширенный режим товаров" in OrdersAccess.objects.get(merchant=shop.merchant).problem
    assert tasks.poll_orders(shop.merchant.pk) == 0  # the task neither retries nor fails on it
