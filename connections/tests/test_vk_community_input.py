"""What a merchant types as their VK community never answers 500 (issue 12, finding 4)."""

from urllib.parse import urlsplit

import pytest
import requests

from accounts.tests.factories import UserFactory
from connections.models import VkConnection
from connections.vk.services import community_ref
from emulators.vk.fixtures import TEST_TOKEN

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "text, ref",
    [
        ("club7001", "7001"),
        ("-7001", "7001"),
        ("https://vk.com/club7001?w=wall-7001_1", "7001"),
        ("https://vk.com/evoshop#top", "evoshop"),
        ("²", ""),
        ("¹²³", ""),
        ("club²", ""),
        ("-¹²³", ""),
        ("١٢٣", ""),
        ("магазин", ""),
        ("shop name", ""),
    ],
)
def test_community_ref_reads_ascii_ids_and_short_names_only(text, ref):
    assert community_ref(text) == ref


@pytest.mark.parametrize("community", ["²", "¹²³", "club¹²³", "-²", "١٢٣", "<script>", "x" * 255])
def test_a_community_in_unicode_digits_is_refused_in_words(client, vk_emulator, community):
    merchant = UserFactory()
    client.force_login(merchant)
    response = client.post("/connections/vk", {"access_token": TEST_TOKEN, "community": community}, follow=True)
    assert response.status_code == 200
    assert not VkConnection.objects.filter(merchant=merchant).exists()
    assert "сообщества VK" in response.content.decode()


@pytest.mark.parametrize("community", ["²", "¹²³"])
def test_vk_id_with_a_unicode_digit_community_is_refused_in_words(client, vk_emulator, community):
    merchant = UserFactory()
    client.force_login(merchant)
    started = client.post("/connections/vk/oauth/start", {"community": community})
    assert started.status_code == 302
    answer = requests.get(started["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(answer.headers["Location"])
    response = client.get(f"{back.path}?{back.query}", follow=True)
    assert response.status_code == 200
    assert not VkConnection.objects.filter(merchant=merchant).exists()
    assert "сообщества VK" in response.content.decode()
