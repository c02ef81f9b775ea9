"""Without the community token everything else works; the orders features say what is missing."""

from connections.models import VkConnection
from connections.tests.factories import VkConnectionFactory
from emulators.vk.fixtures import TEST_COMMUNITY_TOKEN, TEST_GROUP_ID
from orders import tasks
from orders.models import Order
from orders.tests.factories import OrderFactory

MISSING = "Нет токена сообщества VK"


def test_the_orders_page_says_the_community_token_is_missing(client, merchant):
    VkConnectionFactory(merchant=merchant)
    page = client.get("/orders").content.decode()
    assert MISSING in page and 'href="/connections#vk-community"' in page
    assert "Заказы VK" in page  # in the menu


def test_an_order_page_says_why_its_status_cannot_be_changed(client, merchant):
    VkConnectionFactory(merchant=merchant)
    order = OrderFactory(merchant=merchant)
    page = client.get(f"/orders/{order.pk}").content.decode()
    assert MISSING in page and "Сохранить в VK" not in page
    answer = client.post(f"/orders/{order.pk}/status", {"status": Order.Status.CANCELLED}, follow=True)
    assert MISSING in answer.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.NEW


def test_the_callback_button_says_what_is_missing(client, merchant):
    VkConnectionFactory(merchant=merchant)
    answer = client.post("/connections/vk/callback/set-up", follow=True)
    assert MISSING in answer.content.decode()


def test_no_poll_without_the_community_token(merchant, vk_emulator):
    VkConnectionFactory(merchant=merchant)
    assert tasks.poll_all_orders() == 0
    assert tasks.poll_orders(merchant.pk) == 0
    assert vk_emulator.request_count == 0


def test_the_connections_page_takes_the_community_token_after_vk_shows_it_is_the_communitys(
    client, merchant, vk_emulator
):
    VkConnectionFactory(merchant=merchant)
    page = client.get("/connections").content.decode()
    assert MISSING in page
    vk_emulator.add_community_token("other-community-token", TEST_GROUP_ID + 1)
    vk_emulator.add_community(group_id=TEST_GROUP_ID + 1, name="Чужое")
    answer = client.post("/connections/vk/community-token", {"community_token": "other-community-token"}, follow=True)
    assert "Это токен другого сообщества" in answer.content.decode()
    answer = client.post("/connections/vk/community-token", {"community_token": TEST_COMMUNITY_TOKEN}, follow=True)
    assert "Токен сообщества сохранён" in answer.content.decode()
    assert VkConnection.objects.get(merchant=merchant).community_token == TEST_COMMUNITY_TOKEN
    assert TEST_COMMUNITY_TOKEN not in answer.content.decode()


def test_the_community_token_is_stored_encrypted(merchant):
    from django.db import connection as database

    VkConnectionFactory(merchant=merchant, community_token=TEST_COMMUNITY_TOKEN)
    with database.cursor() as cursor:
        cursor.execute("SELECT community_token FROM connections_vkconnection")
        [(stored,)] = cursor.fetchall()
    assert stored and TEST_COMMUNITY_TOKEN not in stored
