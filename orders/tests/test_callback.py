"""VK's Callback API end to end: the button sets the server up and VK's confirmation is answered; an order VK
posts becomes one Order, however often VK repeats it; a wrong secret or garbage changes nothing and never 500s."""

import json

from connections.models import VkConnection
from emulators.vk import callbacks, orders
from emulators.vk.fixtures import TEST_GROUP_ID
from notifications.models import Notice
from orders.models import CallbackEvent, Order
from orders.tests.conftest import BUYER_ID


def test_the_button_adds_the_server_and_vk_confirmation_is_answered(callback_ready):
    shop = callback_ready
    server = shop.vk.communities[TEST_GROUP_ID].callback_servers[shop.connection.callback_server_id]
    assert server.status == "ok"
    assert server.url == f"https://evosync.example/vk/callback/{shop.connection.callback_path}"
    assert server.secret_key == shop.connection.callback_secret
    assert {"market_order_new", "market_order_edit"} <= server.events
    assert shop.connection.callback_confirmed_at is not None
    confirmations = [entry for entry in shop.vk.callback_log if entry["type"] == "confirmation"]
    assert confirmations[0]["answer"] == shop.vk.communities[TEST_GROUP_ID].confirmation_code


def test_pressing_the_button_again_updates_the_same_server(callback_ready, client, deliver):
    shop = callback_ready
    client.post("/connections/vk/callback/set-up")
    deliver(shop.vk)
    assert list(shop.vk.communities[TEST_GROUP_ID].callback_servers) == [shop.connection.callback_server_id]


def test_an_order_posted_by_vk_becomes_an_order_with_its_items(callback_ready, deliver):
    shop = callback_ready
    vk_id = orders.place_order(shop.vk, TEST_GROUP_ID, BUYER_ID, [(shop.mapped_item, 2)], comment="Позвоните")
    deliver(shop.vk)

    order = Order.objects.get(merchant=shop.merchant)
    assert (order.vk_order_id, order.vk_user_id, order.status) == (vk_id, BUYER_ID, Order.Status.NEW)
    assert order.comment == "Позвоните" and str(order.total) == "500.00"
    assert order.arrived_by == Order.ArrivedBy.CALLBACK
    [item] = order.items.all()
    assert (item.vk_item_id, item.quantity, item.product) == (shop.mapped_item, 2, shop.product)


def test_vk_repeating_an_event_whose_answer_it_lost_makes_no_second_order(callback_ready, deliver, mailoutbox):
    shop = callback_ready
    callbacks.lose_callback_answers(shop.vk, 2)  # VK times out twice and sends the same event_id three times
    orders.place_order(shop.vk, TEST_GROUP_ID, BUYER_ID, [(shop.mapped_item, 1)])
    deliver(shop.vk)

    sent = [entry for entry in shop.vk.callback_log if entry["type"] == "market_order_new"]
    assert len(sent) == 3 and len({entry["event_id"] for entry in sent}) == 1
    assert Order.objects.count() == 1 and CallbackEvent.objects.count() == 1
    assert Notice.objects.filter(channel=Notice.Channel.MAIL).count() == 1
    assert len([mail for mail in mailoutbox if "Новый заказ" in mail.subject]) == 1


def test_a_wrong_secret_is_refused_and_changes_nothing(callback_ready, client):
    shop = callback_ready
    order = {"id": 1, "group_id": TEST_GROUP_ID, "user_id": BUYER_ID}
    body = {
        "type": "market_order_new",
        "group_id": TEST_GROUP_ID,
        "event_id": "e1",
        "secret": "not-it",
        "object": order,
    }
    answer = client.post(f"/vk/callback/{shop.connection.callback_path}", body, content_type="application/json")
    assert answer.status_code == 403 and answer.content != b"ok"
    assert not CallbackEvent.objects.exists() and not Order.objects.exists()


def test_an_unknown_address_is_not_found(callback_ready, client):
    answer = client.post("/vk/callback/no-such-path", {"type": "confirmation"}, content_type="application/json")
    assert answer.status_code == 404


def test_garbage_unknown_types_and_unknown_fields_get_an_answer_never_a_500(callback_ready, client):
    shop = callback_ready
    url = f"/vk/callback/{shop.connection.callback_path}"
    secret = shop.connection.callback_secret
    bodies = [
        b"not json",
        b"[1, 2]",
        json.dumps({"type": "wall_post_new", "group_id": TEST_GROUP_ID, "event_id": "w1", "secret": secret}).encode(),
        json.dumps(
            {
                "type": "market_order_new",
                "group_id": TEST_GROUP_ID,
                "event_id": "m1",
                "secret": secret,
                "object": {"id": "x", "surprise": [1]},
                "new_field": {"a": 1},
            }
        ).encode(),  # fmt: skip
        json.dumps({"type": "market_order_new", "group_id": "7001", "secret": secret, "object": None}).encode(),
    ]
    for body in bodies:
        answer = client.post(url, body, content_type="application/json")
        assert answer.status_code in (200, 400), body
    assert not Order.objects.exists()


def test_confirmation_for_another_community_is_refused(callback_ready, client):
    shop = callback_ready
    body = {"type": "confirmation", "group_id": TEST_GROUP_ID + 1}
    answer = client.post(f"/vk/callback/{shop.connection.callback_path}", body, content_type="application/json")
    assert answer.status_code == 403


def test_without_the_buttons_right_the_page_shows_what_to_paste_and_the_pasted_code_is_answered(shop, client, deliver):
    shop.vk.communities[TEST_GROUP_ID].admins.clear()  # the community token works, the API refuses the setup
    shop.vk.add_community_token("another-community-token", TEST_GROUP_ID + 5)
    VkConnection.objects.filter(pk=shop.connection.pk).update(community_token="another-community-token")
    answer = client.post("/connections/vk/callback/set-up", follow=True)
    page = answer.content.decode()
    shop.connection.refresh_from_db()
    assert "Настройте сервер вручную" in page
    assert f"/vk/callback/{shop.connection.callback_path}" in page and shop.connection.callback_secret in page

    client.post("/connections/vk/callback/code", {"code": "a1b2c3"})
    body = {"type": "confirmation", "group_id": TEST_GROUP_ID}
    answer = client.post(f"/vk/callback/{shop.connection.callback_path}", body, content_type="application/json")
    assert answer.content == b"a1b2c3"
