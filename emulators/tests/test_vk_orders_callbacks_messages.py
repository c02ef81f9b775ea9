"""The VK emulator's orders, Callback API and messages, as the schema and VK's documentation have them."""

import requests

from emulators.vk import callbacks, messages, orders
from emulators.vk.fixtures import TEST_COMMUNITY_TOKEN, TEST_GROUP_ID, TEST_TOKEN, TEST_USER_ID

BUYER = 77


def api(emu, method, token=TEST_COMMUNITY_TOKEN, **params):
    data = {"v": "5.199", "access_token": token, **params}
    return requests.post(f"{emu.base_url}/method/{method}", data=data, timeout=10).json()


def an_order(emu, quantity=2) -> tuple[int, int]:
    emu.users_by_id[BUYER] = {"id": BUYER, "name": "Мария Покупатель"}
    item = emu.add_item(TEST_GROUP_ID, "Чай улун", price="250", stock_amount=5)
    return item, orders.place_order(emu, TEST_GROUP_ID, BUYER, [(item, quantity)], comment="Позвоните")


def test_group_orders_newest_first_with_vks_order_fields(vk_emulator):
    item, first = an_order(vk_emulator)
    _, second = an_order(vk_emulator, quantity=1)
    answer = api(vk_emulator, "market.getGroupOrders", group_id=TEST_GROUP_ID, count=50)["response"]
    assert answer["count"] == 2 and [o["id"] for o in answer["items"]] == [second, first]
    order = answer["items"][1]
    assert (order["group_id"], order["user_id"], order["status"], order["items_count"]) == (TEST_GROUP_ID, BUYER, 0, 2)
    assert order["total_price"]["amount"] == "50000" and order["comment"] == "Позвоните"
    assert order["preview_order_items"][0]["item_id"] == item


def test_order_by_id_items_and_an_unknown_order(vk_emulator):
    item, order_id = an_order(vk_emulator)
    assert api(vk_emulator, "market.getOrderById", order_id=order_id)["response"]["order"]["id"] == order_id
    items = api(vk_emulator, "market.getOrderItems", user_id=BUYER, order_id=order_id)["response"]
    assert items["count"] == 1 and items["items"][0]["quantity"] == 2 and items["items"][0]["item"]["id"] == item
    assert api(vk_emulator, "market.getOrderById", order_id=order_id + 100)["error"]["error_code"] == 1436
    assert api(vk_emulator, "market.getOrderItems", user_id=BUYER + 1, order_id=order_id)["error"]["error_code"] == 1436


def test_edit_order_takes_vks_statuses_only_and_wants_the_buyer(vk_emulator):
    _, order_id = an_order(vk_emulator)
    assert api(vk_emulator, "market.editOrder", user_id=BUYER, order_id=order_id, status=3)["response"] == 1
    assert vk_emulator.communities[TEST_GROUP_ID].orders[order_id].status == 3
    assert (
        api(vk_emulator, "market.editOrder", user_id=BUYER, order_id=order_id, status=9)["error"]["error_code"] == 1456
    )
    assert api(vk_emulator, "market.editOrder", order_id=order_id, status=1)["error"]["error_code"] == 100


def test_orders_need_the_extended_market_and_the_communitys_admin(vk_emulator):
    an_order(vk_emulator)
    vk_emulator.add_user(token="stranger", user_id=999)
    assert (
        api(vk_emulator, "market.getGroupOrders", token="stranger", group_id=TEST_GROUP_ID)["error"]["error_code"] == 15
    )
    assert "response" in api(vk_emulator, "market.getGroupOrders", token=TEST_TOKEN, group_id=TEST_GROUP_ID)
    vk_emulator.communities[TEST_GROUP_ID].extended_market = False
    assert api(vk_emulator, "market.getGroupOrders", group_id=TEST_GROUP_ID)["error"]["error_code"] == 1409


def test_a_server_is_confirmed_only_by_the_right_string_and_then_hears_order_events(vk_emulator):
    code = api(vk_emulator, "groups.getCallbackConfirmationCode", group_id=TEST_GROUP_ID)["response"]["code"]
    server_id = api(vk_emulator, "groups.addCallbackServer", group_id=TEST_GROUP_ID, url="http://shop/cb",
                    title="EvoSync", secret_key="s3cret")["response"]["server_id"]  # fmt: skip
    api(vk_emulator, "groups.setCallbackSettings", group_id=TEST_GROUP_ID, server_id=server_id, market_order_new=1)
    heard = []
    callbacks.deliver_callbacks(vk_emulator, post=lambda url, body: heard.append(body) or "wrong")
    assert vk_emulator.communities[TEST_GROUP_ID].callback_servers[server_id].status == "failed"
    an_order(vk_emulator)
    assert callbacks.deliver_callbacks(vk_emulator, post=lambda url, body: heard.append(body) or "ok") == 0

    api(vk_emulator, "groups.editCallbackServer", group_id=TEST_GROUP_ID, server_id=server_id, url="http://shop/cb",
        title="EvoSync", secret_key="s3cret")  # fmt: skip
    callbacks.deliver_callbacks(vk_emulator, post=lambda url, body: heard.append(body) or code)
    an_order(vk_emulator)
    callbacks.deliver_callbacks(vk_emulator, post=lambda url, body: heard.append(body) or "ok")
    event = heard[-1]
    assert event["type"] == "market_order_new" and event["secret"] == "s3cret" and event["group_id"] == TEST_GROUP_ID
    assert event["event_id"] and event["v"] == "5.199" and event["object"]["user_id"] == BUYER


def test_an_event_not_answered_ok_is_sent_again_with_the_same_event_id_five_times_at_most(vk_emulator):
    callbacks.add_callback_server(vk_emulator, TEST_GROUP_ID, "http://shop/cb", events=["market_order_new"])
    an_order(vk_emulator)
    heard = []
    sent = callbacks.deliver_callbacks(vk_emulator, post=lambda url, body: heard.append(body["event_id"]) or None)
    assert sent == callbacks.ATTEMPTS and len(set(heard)) == 1


def test_the_servers_limit_is_vks_error_2000(vk_emulator):
    for _ in range(callbacks.MAX_SERVERS):
        api(vk_emulator, "groups.addCallbackServer", group_id=TEST_GROUP_ID, url="http://shop/cb", title="EvoSync")
    answer = api(vk_emulator, "groups.addCallbackServer", group_id=TEST_GROUP_ID, url="http://shop/cb", title="X")
    assert answer["error"]["error_code"] == 2000


def test_a_community_message_needs_the_users_permission_and_random_id_makes_it_once(vk_emulator):
    send = {"peer_id": TEST_USER_ID, "random_id": 41, "message": "Новый заказ"}
    assert api(vk_emulator, "messages.send", **send)["error"]["error_code"] == 901
    messages.allow_messages(vk_emulator, TEST_GROUP_ID, TEST_USER_ID)
    first = api(vk_emulator, "messages.send", **send)["response"]
    assert api(vk_emulator, "messages.send", **send)["response"] == first
    assert len(vk_emulator.communities[TEST_GROUP_ID].messages) == 1
    assert api(vk_emulator, "messages.send", peer_id=TEST_USER_ID, random_id=42)["error"]["error_code"] == 100


def test_a_buyer_orders_from_the_shop_page(vk_emulator):
    item = vk_emulator.add_item(TEST_GROUP_ID, "Чай улун", price="250", stock_amount=1)
    page = requests.get(f"{vk_emulator.base_url}/market-{TEST_GROUP_ID}", timeout=10).text
    assert f'action="/market-{TEST_GROUP_ID}/order"' in page and "Заказать" in page
    answer = requests.post(f"{vk_emulator.base_url}/market-{TEST_GROUP_ID}/order", data={"item_id": item}, timeout=10)
    assert "оформлен" in answer.text
    [order] = vk_emulator.communities[TEST_GROUP_ID].orders.values()
    assert order.user_id == orders.PAGE_BUYER_ID and order.lines[0].item_id == item
    vk_emulator.communities[TEST_GROUP_ID].shop.items[item].stock_amount = 0  # sold out: VK takes no order
    again = requests.post(f"{vk_emulator.base_url}/market-{TEST_GROUP_ID}/order", data={"item_id": item}, timeout=10)
    assert "Заказ не оформлен" in again.text and len(vk_emulator.communities[TEST_GROUP_ID].orders) == 1
