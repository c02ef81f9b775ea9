"""The VK shop cache is per merchant: nobody can overwrite or empty another merchant's copy (issue 12, finding 3)."""

import pytest

from connections.models import VkConnection
from connections.tests.factories import VkConnectionFactory
from emulators.vk.fixtures import TEST_GROUP_ID
from vkshop.models import VkItem
from vkshop.services import VkShopPages, refresh_vk_shop, store_vk_shop

pytestmark = pytest.mark.django_db


def item(vk_id: int, title: str) -> dict:
    return {"id": vk_id, "title": title, "price": {"amount": "10000"}, "albums_ids": []}


def test_two_merchants_on_one_community_keep_their_own_rows():
    """Bug: rows were unique per (community, VK id) and the upsert rewrote `merchant`: B's refresh emptied A's."""
    a, b = VkConnectionFactory().merchant, VkConnectionFactory().merchant
    store_vk_shop(
        merchant=a, group_id=TEST_GROUP_ID, pages=VkShopPages(albums=[], items=[item(1, "A1"), item(2, "A2")])
    )
    store_vk_shop(merchant=b, group_id=TEST_GROUP_ID, pages=VkShopPages(albums=[], items=[item(1, "B1")]))
    assert sorted(VkItem.objects.filter(merchant=a).values_list("vk_id", "title")) == [(1, "A1"), (2, "A2")]
    assert list(VkItem.objects.filter(merchant=b).values_list("vk_id", "title")) == [(1, "B1")]


def test_a_broken_connection_cannot_fill_the_cache(vk_emulator):
    """A merchant who saves a token with another shop's community (saved as broken) and presses refresh reads
    nothing: only a connection whose check passed reads the community's shop."""
    connection = VkConnectionFactory(status=VkConnection.Status.BROKEN, last_error="не администратор")
    assert refresh_vk_shop(merchant=connection.merchant) is None
    assert not vk_emulator.request_log
    assert not VkItem.objects.filter(merchant=connection.merchant).exists()


def test_refresh_button_with_a_broken_connection_says_why(client):
    connection = VkConnectionFactory(status=VkConnection.Status.BROKEN, last_error="Токен отозван.")
    client.force_login(connection.merchant)
    page = client.post("/vk-catalog/refresh", follow=True).content.decode()
    assert "Подключение VK не работает" in page and "Токен отозван." in page
