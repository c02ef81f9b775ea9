"""VkClient against the VK emulator: calls, batches through execute, errors by kind, photos."""

import io
import logging
import time

import pytest
from PIL import Image

from connections.ratelimit import FileRateLimiter, token_key
from connections.vk.client import VkCall, VkClient, execute_code
from connections.vk.errors import (
    PERMANENT_REASONS,
    VkApiError,
    VkConnectionBroken,
    VkRateLimitReached,
    VkTransientError,
    VkWaitPastDeadline,
)
from emulators.vk.fixtures import TEST_GROUP_ID, TEST_TOKEN

OWNER = -TEST_GROUP_ID


@pytest.fixture
def client(vk_emulator, tmp_path):
    limiter = FileRateLimiter(tmp_path / "rate", limit=1000, window=1.0)
    return VkClient(TEST_TOKEN, rate_limiter=limiter, backoff=0.01, max_retries=2, timeout=5)


def new_item(n: int, **extra) -> VkCall:
    params = {"owner_id": OWNER, "name": f"Товар номер {n}", "description": "Описание товара", "category_id": 101}
    return VkCall("market.add", {**params, "price": 100 + n, **extra})


def jpeg(width=600, height=600) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "blue").save(buffer, "JPEG")
    return buffer.getvalue()


def test_call_returns_the_response_and_uses_settings(client, vk_emulator):
    user = client.call("users.get")[0]
    assert user["id"] == 501
    assert vk_emulator.request_log[0]["params"]["v"] == "5.199"
    assert client.request_count == 1


def test_lists_and_booleans_go_as_vk_expects(client, vk_emulator):
    item_id = client.call("market.add", **new_item(1).params, deleted=True)["market_item_id"]
    album = client.call("market.addAlbum", owner_id=OWNER, title="Чай")["market_album_id"]
    assert client.call("market.addToAlbum", owner_id=OWNER, item_ids=[item_id], album_ids=[album]) == 1
    assert vk_emulator.shop(TEST_GROUP_ID).items[item_id].hidden is True
    assert vk_emulator.request_log[-1]["params"]["item_ids"] == str(item_id)


def test_sixty_calls_are_three_execute_requests_in_order(client, vk_emulator):
    results = client.batch([new_item(n) for n in range(60)])
    assert vk_emulator.request_count == 3
    assert [entry["method"] for entry in vk_emulator.request_log] == ["execute"] * 3
    assert vk_emulator.counts["market.add"] == 60
    assert all(r.ok for r in results)
    shop_items = vk_emulator.shop(TEST_GROUP_ID).items
    assert [shop_items[r.response["market_item_id"]].title for r in results] == [f"Товар номер {n}" for n in range(60)]


def test_failed_calls_in_a_batch_come_back_at_their_place(client, vk_emulator):
    calls = [new_item(n) for n in range(30)]
    calls[3] = VkCall("market.edit", {"owner_id": OWNER, "item_id": 999, "price": 5})  # 1403
    calls[4] = new_item(4, description="коротко")  # 100
    calls[27] = VkCall("market.delete", {"owner_id": OWNER, "item_id": 998})  # 1403, in the second execute
    results = client.batch(calls)
    failed = {i: r.error.code for i, r in enumerate(results) if not r.ok}
    assert failed == {3: 1403, 4: 100, 27: 1403}
    assert results[4].error.method == "market.add"
    assert all(r.ok and "market_item_id" in r.response for i, r in enumerate(results) if i not in failed)


def test_execute_code_is_the_vkscript_subset_with_literal_arguments():
    code = execute_code([VkCall("market.get", {"owner_id": -1, "count": 200, "extended": True, "x": None})])
    assert code == 'return [API.market.get({"owner_id": -1, "count": 200, "extended": 1})];'


@pytest.mark.parametrize("code", [6, 9, 10, 36])
def test_transient_errors_are_retried(client, vk_emulator, code):
    vk_emulator.fail_next("users.get", code, times=2)
    assert client.call("users.get")[0]["id"] == 501
    assert vk_emulator.error_codes_seen() == [code, code]


def test_transient_errors_give_up_after_bounded_retries(client, vk_emulator):
    vk_emulator.fail_next("users.get", 10, times=5)
    with pytest.raises(VkTransientError):
        client.call("users.get")
    assert vk_emulator.request_count == 3  # one try and max_retries=2


def test_http_5xx_and_timeouts_are_retried(vk_emulator, tmp_path):
    client = VkClient(
        TEST_TOKEN, rate_limiter=FileRateLimiter(tmp_path, limit=100, window=1), backoff=0.01, timeout=0.3
    )
    vk_emulator.http_error_next(502)
    vk_emulator.delay_next(1.0)
    assert client.call("users.get")[0]["id"] == 501
    assert vk_emulator.request_log[0].get("http_status") == 502
    assert client.request_count == 3


def test_creates_are_not_resent_when_the_answer_was_lost(client, vk_emulator):
    vk_emulator.http_error_next(502)
    with pytest.raises(VkTransientError):
        client.batch([new_item(1)], resend_when_unsure=False)
    assert vk_emulator.request_count == 1


def test_creates_refused_with_error_6_are_sent_again(client, vk_emulator):
    vk_emulator.fail_next("execute", 6)
    results = client.batch([new_item(1)], resend_when_unsure=False)
    assert results[0].ok
    assert vk_emulator.error_codes_seen() == [6]
    assert len(vk_emulator.shop(TEST_GROUP_ID).items) == 1


def test_error_29_stops_the_run(client, vk_emulator):
    vk_emulator.fail_next("market.get", 29)
    with pytest.raises(VkRateLimitReached):
        client.call("market.get", owner_id=OWNER)
    assert vk_emulator.request_count == 1


@pytest.mark.parametrize("code", sorted(PERMANENT_REASONS))
def test_permanent_errors_break_the_connection_with_a_reason(client, vk_emulator, code):
    vk_emulator.fail_next("market.get", code)
    with pytest.raises(VkConnectionBroken) as caught:
        client.call("market.get", owner_id=OWNER)
    assert caught.value.code == code
    assert any("а" <= ch <= "я" for ch in caught.value.reason.lower())
    assert vk_emulator.request_count == 1


def test_permanent_error_inside_execute_breaks_the_whole_batch(client, vk_emulator):
    vk_emulator.fail_next("market.add", 1438)
    with pytest.raises(VkConnectionBroken):
        client.batch([new_item(1), new_item(2)])


def test_per_call_error_raises_vk_api_error(client):
    with pytest.raises(VkApiError) as caught:
        client.call("market.edit", owner_id=OWNER, item_id=404, price=1)
    assert caught.value.code == 1403


def test_expired_token_is_error_5(client, vk_emulator):
    vk_emulator.expire_token(TEST_TOKEN)
    with pytest.raises(VkConnectionBroken) as caught:
        client.call("users.get")
    assert caught.value.code == 5


def test_photo_flow_gives_a_photo_id_for_the_item(client, vk_emulator):
    photo_id = client.upload_product_photo(TEST_GROUP_ID, jpeg(), "tea.jpg")
    item_id = client.call("market.add", **new_item(1, main_photo_id=photo_id).params)["market_item_id"]
    assert vk_emulator.shop(TEST_GROUP_ID).items[item_id].main_photo_id == photo_id
    assert vk_emulator.upload_count == 1
    assert vk_emulator.methods_called() == [
        "market.getProductPhotoUploadServer",
        "market.saveProductPhoto",
        "market.add",
    ]


def test_small_photo_is_refused_before_saving(client, vk_emulator):
    with pytest.raises(VkApiError) as caught:
        client.upload_product_photo(TEST_GROUP_ID, jpeg(300, 300), "small.jpg")
    assert "400x400" in caught.value.message
    assert "market.saveProductPhoto" not in vk_emulator.methods_called()


def test_the_token_never_reaches_the_logs(client, vk_emulator, caplog):
    caplog.set_level(logging.DEBUG)
    vk_emulator.fail_next("users.get", 10, times=5)
    with pytest.raises(VkTransientError) as caught:
        client.call("users.get")
    assert TEST_TOKEN not in caplog.text
    assert TEST_TOKEN not in str(caught.value) and TEST_TOKEN not in repr(client)


def test_upload_server_trouble_is_retried(client, vk_emulator):
    vk_emulator.upload_error_next(503)
    photo_id = client.upload_product_photo(TEST_GROUP_ID, jpeg(), "tea.jpg")
    assert photo_id in vk_emulator.photos and vk_emulator.upload_count == 2


def test_a_slow_upload_server_answers_late_and_the_upload_still_saves(client, vk_emulator):
    vk_emulator.upload_delay_next(0.3)
    started = time.monotonic()
    photo_id = client.upload_product_photo(TEST_GROUP_ID, jpeg(), "tea.jpg")
    assert time.monotonic() - started >= 0.3
    assert photo_id in vk_emulator.photos and vk_emulator.upload_count == 1


def test_text_with_quotes_newlines_and_emoji_survives_execute(client, vk_emulator):
    description = 'Чай «Беседа» "крупнолистовой"\nсбор 2024 — 100 г \\ 🍵'
    [result] = client.batch([new_item(1, description=description, sku="a'b")])
    item = vk_emulator.shop(TEST_GROUP_ID).items[result.response["market_item_id"]]
    assert (item.description, item.sku) == (description, "a'b")


def test_a_batch_never_waits_for_the_rate_limiter_past_its_deadline(client, vk_emulator):
    """The token's turn comes in 30 s, the caller's deadline (a slice's) in 1 s: nothing is sent and the wait is
    told, for the caller to wait in the queue instead of in a worker slot."""
    client.rate_limiter.pause(token_key(TEST_TOKEN), 30)
    with pytest.raises(VkWaitPastDeadline) as late:
        client.batch([new_item(1)], wait_until=time.monotonic() + 1)
    assert late.value.wait > 1
    assert vk_emulator.request_count == 0 and client.request_count == 0 and not client.method_counts
