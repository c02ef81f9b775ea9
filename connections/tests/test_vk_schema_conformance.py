"""Every VK call EvoSync makes fits VK's official API schema (5.199), as the emulator's log records them."""

import io

import pytest
from PIL import Image

from accounts.tests.factories import UserFactory
from connections.ratelimit import FileRateLimiter
from connections.vk.client import VkCall, VkClient
from connections.vk.services import check_vk_connection, save_vk_connection
from emulators.vk import conformance
from emulators.vk.fixtures import TEST_GROUP_ID, TEST_TOKEN
from vkshop.services import refresh_vk_shop


@pytest.mark.django_db
def test_every_call_evosync_makes_fits_the_official_schema(vk_emulator, tmp_path):
    for n in range(450):
        vk_emulator.add_item(TEST_GROUP_ID, f"Товар {n}", sku=f"S{n}")
    vk_emulator.add_album(TEST_GROUP_ID, "Чай")
    merchant = UserFactory()
    connection = save_vk_connection(merchant=merchant, access_token=TEST_TOKEN, community="evoshop")
    check_vk_connection(connection=connection)
    refresh_vk_shop(merchant=merchant)
    client = VkClient(TEST_TOKEN, rate_limiter=FileRateLimiter(tmp_path, limit=100, window=1))
    image = io.BytesIO()
    Image.new("RGB", (500, 500)).save(image, "PNG")
    photo_id = client.upload_product_photo(TEST_GROUP_ID, image.getvalue(), "p.png")
    client.batch(
        [
            VkCall("market.add", {"owner_id": -TEST_GROUP_ID, "name": "Чай зелёный", "description": "Листовой чай",
                                  "category_id": 101, "price": 10, "main_photo_id": photo_id, "sku": "S1"}),
            VkCall("market.getById", {"item_ids": [f"-{TEST_GROUP_ID}_1"], "extended": True}),
        ]
    )  # fmt: skip
    called = set(vk_emulator.methods_called())
    assert {"users.get", "groups.getById", "execute", "market.get", "market.getAlbums"} <= called
    assert {"market.getProductPhotoUploadServer", "market.saveProductPhoto", "market.add"} <= called
    assert not any(entry.get("unknown_params") for entry in vk_emulator.request_log)
    conformance.assert_calls_fit_schema(vk_emulator)
