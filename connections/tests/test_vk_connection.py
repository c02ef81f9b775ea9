"""The merchant's VK connection pages: paste a token, test it, disconnect; tokens stay secret."""

import re

import pytest
from django.db import connection as db

from accounts.tests.factories import UserFactory
from connections.models import VkConnection
from connections.tests.factories import EvotorConnectionFactory, VkConnectionFactory
from emulators.vk.fixtures import TEST_GROUP_ID, TEST_TOKEN

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("community", ["evoshop", "https://vk.com/evoshop", "club7001", "-7001", "7001", "@evoshop"])
def test_pasted_token_and_community_are_saved_with_the_resolved_id(client, merchant, vk_emulator, community):
    response = client.post("/connections/vk", {"access_token": TEST_TOKEN, "community": community})
    assert response.status_code == 302
    connection = VkConnection.objects.get(merchant=merchant)
    assert (connection.group_id, connection.group_name, connection.group_screen_name) == (
        TEST_GROUP_ID,
        "Чайная лавка",
        "evoshop",
    )
    assert (connection.vk_user_id, connection.vk_user_name, connection.status) == (501, "Иван Петров", "ok")
    assert connection.source == "manual" and connection.access_token == TEST_TOKEN


def test_token_is_encrypted_at_rest_and_never_shown(client, merchant, vk_emulator):
    client.post("/connections/vk", {"access_token": TEST_TOKEN, "community": "evoshop"})
    with db.cursor() as cursor:
        cursor.execute("SELECT access_token FROM connections_vkconnection")
        stored = cursor.fetchone()[0]
    assert stored and TEST_TOKEN not in stored
    page = client.get("/connections").content.decode()
    assert "Чайная лавка" in page and TEST_TOKEN not in page


def test_replacing_keeps_one_connection(client, merchant, vk_emulator):
    vk_emulator.add_user(token="second-token", user_id=502, name="Мария Иванова")
    vk_emulator.add_community(group_id=8001, name="Второй магазин", screen_name="second", admins=[502])
    client.post("/connections/vk", {"access_token": TEST_TOKEN, "community": "evoshop"})
    client.post("/connections/vk", {"access_token": "second-token", "community": "second"})
    connection = VkConnection.objects.get(merchant=merchant)
    assert (connection.group_id, connection.vk_user_id, connection.access_token) == (8001, 502, "second-token")


def test_bad_token_is_refused_in_words(client, merchant, vk_emulator):
    response = client.post("/connections/vk", {"access_token": "wrong", "community": "evoshop"}, follow=True)
    assert not VkConnection.objects.filter(merchant=merchant).exists()
    assert "токен" in response.content.decode()


def test_unknown_community_is_refused_in_words(client, merchant, vk_emulator):
    response = client.post("/connections/vk", {"access_token": TEST_TOKEN, "community": "nosuchshop"}, follow=True)
    assert not VkConnection.objects.filter(merchant=merchant).exists()
    assert "не найдено" in response.content.decode()


def test_disconnect_removes_the_tokens(client, merchant):
    VkConnectionFactory(merchant=merchant)
    assert client.post("/connections/vk/disconnect").status_code == 302
    assert not VkConnection.objects.filter(merchant=merchant).exists()


def test_disconnecting_vk_asks_first_as_disconnecting_evotor_does(client, merchant):
    VkConnectionFactory(merchant=merchant)
    EvotorConnectionFactory(merchant=merchant)
    page = client.get("/connections").content.decode()
    vk_form = re.search(r'<form method="post" action="/connections/vk/disconnect"[^>]*>', page)
    evotor_form = re.search(r'<form method="post" action="/connections/evotor/disconnect"[^>]*>', page)
    assert vk_form and evotor_form
    assert 'data-confirm="Отключить VK? Синхронизация остановится' in vk_form.group(0)
    assert "data-confirm=" in evotor_form.group(0)  # evosync.js asks before either form is sent


def test_pages_need_login_and_post(client, vk_emulator):
    assert client.post("/connections/vk/test").status_code == 302  # to the login page
    client.force_login(UserFactory())
    assert client.get("/connections/vk/test").status_code == 405


def test_connection_test_reports_user_community_market_and_rights(client, merchant, vk_emulator):
    VkConnectionFactory(merchant=merchant, status="unchecked")
    answer = client.post("/connections/vk/test").json()
    assert answer["ok"] and answer["token_valid"] and answer["market_enabled"] and answer["can_edit"]
    assert answer["user"] == {"id": 501, "name": "Иван Петров"}
    assert answer["community"]["name"] == "Чайная лавка"
    assert VkConnection.objects.get(merchant=merchant).status == "ok"


def test_connection_test_says_when_the_shop_is_off_or_the_user_cannot_edit(client, merchant, vk_emulator):
    vk_emulator.add_community(group_id=9001, name="Чужой", screen_name="other", admins=[7], market_enabled=False)
    VkConnectionFactory(merchant=merchant, group_id=9001)
    answer = client.post("/connections/vk/test").json()
    assert answer["token_valid"] and not answer["ok"]
    assert answer["market_enabled"] is False and answer["can_edit"] is False
    connection = VkConnection.objects.get(merchant=merchant)
    assert connection.status == "broken" and "товары" in connection.last_error


def test_connection_test_with_a_revoked_token_marks_it_broken(client, merchant, vk_emulator):
    VkConnectionFactory(merchant=merchant)
    vk_emulator.revoke_token(TEST_TOKEN)
    answer = client.post("/connections/vk/test").json()
    assert answer["token_valid"] is False and "токен" in answer["error"]
    connection = VkConnection.objects.get(merchant=merchant)
    assert connection.status == "broken" and connection.last_error == answer["error"]


def test_connection_test_without_a_connection_is_404(client, merchant):
    VkConnectionFactory()  # someone else's
    assert client.post("/connections/vk/test").status_code == 404


def test_a_community_the_user_does_not_administer_is_refused_before_saving(client, merchant, vk_emulator):
    vk_emulator.add_community(group_id=9002, name="Чужой магазин", screen_name="notmine", admins=[7])
    response = client.post("/connections/vk", {"access_token": TEST_TOKEN, "community": "notmine"}, follow=True)
    assert not VkConnection.objects.filter(merchant=merchant).exists()
    page = response.content.decode()
    assert "VK не подключён" in page and "не администратор и не редактор этого сообщества" in page
    assert "VK подключён:" not in page


def test_a_community_without_its_shop_switched_on_is_refused_in_words(client, merchant, vk_emulator):
    vk_emulator.add_community(
        group_id=9003, name="Без товаров", screen_name="noshop", admins=[501], market_enabled=False
    )
    response = client.post("/connections/vk", {"access_token": TEST_TOKEN, "community": "noshop"}, follow=True)
    assert not VkConnection.objects.filter(merchant=merchant).exists()
    assert "не включены товары" in response.content.decode()


def test_a_token_without_the_market_right_is_refused_and_the_old_connection_stays(client, merchant, vk_emulator):
    VkConnectionFactory(merchant=merchant, group_name="Прежнее сообщество")
    vk_emulator.fail_next("market.get", 15)  # VK: access denied to the community's market for this token
    response = client.post("/connections/vk", {"access_token": TEST_TOKEN, "community": "evoshop"}, follow=True)
    page = response.content.decode()
    assert "Токен без права на товары (market)" in page
    connection = VkConnection.objects.get(merchant=merchant)
    assert (connection.group_name, connection.status) == ("Прежнее сообщество", "ok")


def test_a_community_token_is_refused_in_words(client, merchant, vk_emulator):
    vk_emulator.add_community_token("group-token", TEST_GROUP_ID)
    response = client.post("/connections/vk", {"access_token": "group-token", "community": "evoshop"}, follow=True)
    assert not VkConnection.objects.filter(merchant=merchant).exists()
    assert "Это токен сообщества, а для товаров нужен токен пользователя" in response.content.decode()


def test_a_usable_connection_is_announced_with_its_community_and_rights(client, merchant, vk_emulator):
    response = client.post("/connections/vk", {"access_token": TEST_TOKEN, "community": "evoshop"}, follow=True)
    assert "VK подключён: сообщество «Чайная лавка», права на товары есть." in response.content.decode()
    assert "market.get" in vk_emulator.methods_called()


def test_saving_from_the_guided_start_comes_back_to_it(client, merchant, vk_emulator):
    response = client.post("/connections/vk", {"access_token": TEST_TOKEN, "community": "evoshop", "next": "/start"})
    assert response["Location"] == "/start"
