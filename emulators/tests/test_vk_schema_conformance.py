"""The emulator and EvoSync's VK calls both fit VK's official API schema (5.199)."""

import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image

from connections.ratelimit import FileRateLimiter
from connections.vk.client import VkCall, VkClient
from connections.vk.services import check_vk_connection, save_vk_connection
from emulators.vk import conformance
from emulators.vk.fixtures import TEST_GROUP_ID, TEST_TOKEN
from emulators.vk.methods import HANDLERS
from vkshop.services import refresh_vk_shop

OFFICIAL = conformance.official_schema_dir()
needs_official = pytest.mark.skipif(OFFICIAL is None, reason="VK's official schema (shared/vk-api-schema) not found")
LIMIT_KEYS = ("type", "required", "minimum", "maximum", "minLength", "maxLength", "maxItems", "default", "items")


def parameters(spec: dict) -> dict:
    return {p["name"]: {k: p.get(k) for k in LIMIT_KEYS} for p in spec.get("parameters", [])}


@needs_official
def test_every_method_the_emulator_serves_is_official_with_the_same_parameters():
    official = conformance.load_methods(OFFICIAL)
    vendored = conformance.load_methods(None)
    for name in [*HANDLERS, "execute"]:
        assert name in official, name
        assert parameters(vendored[name]) == parameters(official[name]), name
        assert vendored[name].get("access_token_type") == official[name].get("access_token_type"), name


@needs_official
def test_emulator_error_codes_are_official():
    errors = json.loads((OFFICIAL / "errors.json").read_text())["errors"]
    official_codes = {e["code"] for e in errors.values()}
    source = "".join(p.read_text() for p in (Path(conformance.__file__).parent).glob("*.py"))
    used = {int(code) for code in re.findall(r"VkFault\((\d+)", source)}
    assert used and used <= official_codes, used - official_codes


def test_the_check_catches_calls_that_do_not_fit():
    methods = conformance.load_methods(OFFICIAL)
    assert conformance.check_call(methods, "market.add", {"owner_id": "-1", "name": "Чай"})  # short, no description
    assert conformance.check_call(methods, "market.get", {"owner_id": "-1", "count": "500"})
    assert conformance.check_call(methods, "market.get", {"owner_id": "-1", "colour": "red"})
    assert conformance.check_call(methods, "photos.getMarketUploadServer", {"group_id": "1"})  # removed in 2024
    code = "return [" + ",".join(['API.market.get({"owner_id": -1, "count": 201})'] * 2) + "];"
    assert len(conformance.check_call(methods, "execute", {"code": code})) == 2
    assert conformance.check_call(methods, "market.get", {"owner_id": "-1", "count": "200", "extended": "1"}) == []


@pytest.mark.django_db
def test_every_call_evosync_makes_fits_the_official_schema(vk_emulator, tmp_path):
    from accounts.tests.factories import UserFactory

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
