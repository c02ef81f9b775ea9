"""Photo upload addresses asked 25 to an execute; an upload given its address asks for none."""

import io

import pytest
from PIL import Image

from connections.ratelimit import FileRateLimiter
from connections.vk.client import VkClient
from emulators.vk.fixtures import TEST_GROUP_ID, TEST_TOKEN


@pytest.fixture
def client(vk_emulator, tmp_path):
    limiter = FileRateLimiter(tmp_path / "rate", limit=1000, window=1.0)
    return VkClient(TEST_TOKEN, rate_limiter=limiter, backoff=0.01, max_retries=2, timeout=5)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (500, 500), "green").save(buffer, "PNG")
    return buffer.getvalue()


def test_thirty_upload_addresses_take_two_requests(client, vk_emulator):
    urls = client.photo_upload_urls(TEST_GROUP_ID, 30)
    assert len(urls) == 30 and all(url.startswith("http://127.0.0.1") for url in urls)
    assert [entry["method"] for entry in vk_emulator.request_log] == ["execute", "execute"]


def test_upload_with_its_address_sends_only_the_save(client, vk_emulator):
    [url] = client.photo_upload_urls(TEST_GROUP_ID, 1)
    vk_emulator.reset_log()
    photo_id = client.upload_product_photo(TEST_GROUP_ID, png(), "p.png", upload_url=url)
    assert photo_id in vk_emulator.photos
    assert [entry["method"] for entry in vk_emulator.request_log] == ["market.saveProductPhoto"]
    assert vk_emulator.upload_count == 1


def test_upload_without_an_address_asks_for_one(client, vk_emulator):
    client.upload_product_photo(TEST_GROUP_ID, png(), "p.png")
    methods = [entry["method"] for entry in vk_emulator.request_log]
    assert methods == ["market.getProductPhotoUploadServer", "market.saveProductPhoto"]
