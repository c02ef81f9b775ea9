"""The VK emulator answers like VK: checks, envelopes, limits, execute, photos, faults."""

import io
import time

import pytest
import requests
from PIL import Image

from emulators.vk.fixtures import TEST_GROUP_ID, TEST_TOKEN

OWNER = -TEST_GROUP_ID


def api(emu, method, token=TEST_TOKEN, **params):
    data = {"v": "5.199", "access_token": token, **params}
    return requests.post(f"{emu.base_url}/method/{method}", data=data, timeout=10).json()


def add_item(emu, **fields):
    params = {"owner_id": OWNER, "name": "Чай зелёный", "description": "Листовой чай, 100 г", "category_id": 101}
    answer = api(emu, "market.add", **{**params, **fields})
    return answer["response"]["market_item_id"]


def image_bytes(width=800, height=800, kind="JPEG"):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "green").save(buffer, kind)
    return buffer.getvalue()


def test_json_body_is_refused(vk_emulator):
    answer = requests.post(
        f"{vk_emulator.base_url}/method/users.get", json={"v": "5.199", "access_token": TEST_TOKEN}, timeout=10
    ).json()
    assert answer["error"]["error_code"] == 8


def test_version_is_required(vk_emulator):
    answer = requests.post(
        f"{vk_emulator.base_url}/method/users.get", data={"access_token": TEST_TOKEN}, timeout=10
    ).json()
    assert answer["error"]["error_code"] == 8
    assert "v" in answer["error"]["error_msg"]


def test_unknown_token_is_error_5_and_token_not_echoed(vk_emulator):
    answer = api(vk_emulator, "users.get", token="nope-secret")
    assert answer["error"]["error_code"] == 5
    assert "nope-secret" not in str(answer)


def test_community_token_is_refused_for_market_writes(vk_emulator):
    vk_emulator.add_community_token("group-token", TEST_GROUP_ID)
    answer = api(vk_emulator, "market.add", token="group-token", owner_id=OWNER, name="Чай зелёный",
                 description="Листовой чай, 100 г", category_id=101)  # fmt: skip
    assert answer["error"]["error_code"] == 27


def test_error_envelope_lists_request_params(vk_emulator):
    answer = api(vk_emulator, "market.add", owner_id=OWNER, name="Чай")
    assert answer["error"]["error_code"] == 100
    keys = {p["key"] for p in answer["error"]["request_params"]}
    assert {"method", "owner_id", "name"} <= keys and "access_token" not in keys


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Чай"),  # 3 characters < 4
        ("name", "Ч" * 101),
        ("name", "Ч" * 96 + "😀"),  # the emoji is 9 characters in cp1251 (&#128512;): 105 > 100
        ("description", "Коротко"),
        ("sku", "A" * 51),
        ("photo_ids", "1,2,3,4,5"),
        ("price", "-1"),
        ("stock_amount", "-2"),
        ("url", "h" * 321),
    ],
)
def test_market_add_limits_from_the_schema(vk_emulator, field, value):
    params = {"owner_id": OWNER, "name": "Чай зелёный", "description": "Листовой чай, 100 г", "category_id": 101}
    answer = api(vk_emulator, "market.add", **{**params, field: value})
    assert answer["error"]["error_code"] == 100
    assert field in answer["error"]["error_msg"]


def test_market_add_accepts_the_limits_exactly(vk_emulator):
    item_id = add_item(vk_emulator, name="Ч" * 100, sku="A" * 50, price="199.90", stock_amount=-1)
    item = vk_emulator.shop(TEST_GROUP_ID).items[item_id]
    assert item.title == "Ч" * 100 and str(item.price) == "199.90"


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("market.get", {"owner_id": OWNER, "count": 201}),
        ("market.getAlbums", {"owner_id": OWNER, "count": 101}),
        ("market.getById", {"item_ids": ",".join(f"{OWNER}_{i}" for i in range(1, 102))}),
        ("market.getById", {}),
    ],
)
def test_read_limits_from_the_schema(vk_emulator, method, params):
    assert api(vk_emulator, method, **params)["error"]["error_code"] == 100


def test_dimensions_only_all_together(vk_emulator):
    answer = api(vk_emulator, "market.add", owner_id=OWNER, name="Чай зелёный", description="Листовой чай, 100 г",
                 category_id=101, dimension_width=10, weight=100)  # fmt: skip
    assert answer["error"]["error_code"] == 1429


def test_market_get_extended_shows_price_in_hundredths_albums_and_photos(vk_emulator):
    album = api(vk_emulator, "market.addAlbum", owner_id=OWNER, title="Чай")["response"]["market_album_id"]
    item_id = add_item(vk_emulator, price="123.50", sku="EVO-1", stock_amount=7)
    api(vk_emulator, "market.addToAlbum", owner_id=OWNER, item_ids=item_id, album_ids=album)
    item = api(vk_emulator, "market.get", owner_id=OWNER, extended=1)["response"]["items"][0]
    assert item["price"]["amount"] == "12350" and item["price"]["currency"]["name"] == "RUB"
    assert item["albums_ids"] == [album] and item["photos"] == []
    assert (item["sku"], item["stock_amount"], item["availability"]) == ("EVO-1", 7, 0)


def test_hidden_items_only_with_disabled(vk_emulator):
    add_item(vk_emulator)
    hidden = add_item(vk_emulator, deleted=1)
    plain = api(vk_emulator, "market.get", owner_id=OWNER)["response"]
    everything = api(vk_emulator, "market.get", owner_id=OWNER, with_disabled=1)["response"]
    assert plain["count"] == 1 and everything["count"] == 2
    assert [i["availability"] for i in everything["items"] if i["id"] == hidden] == [1]


def test_delete_restore_and_deleted_by_hand(vk_emulator):
    item_id = add_item(vk_emulator)
    assert api(vk_emulator, "market.delete", owner_id=OWNER, item_id=item_id)["response"] == 1
    assert api(vk_emulator, "market.get", owner_id=OWNER, with_disabled=1)["response"]["count"] == 0
    assert api(vk_emulator, "market.edit", owner_id=OWNER, item_id=item_id, price=5)["error"]["error_code"] == 1403
    assert api(vk_emulator, "market.restore", owner_id=OWNER, item_id=item_id)["response"] == 1
    vk_emulator.delete_item_by_hand(TEST_GROUP_ID, item_id)
    assert api(vk_emulator, "market.restore", owner_id=OWNER, item_id=item_id)["error"]["error_code"] == 1403


def test_albums_are_many_to_many_and_repeat_add_is_1404(vk_emulator):
    first = api(vk_emulator, "market.addAlbum", owner_id=OWNER, title="Чай")["response"]["market_album_id"]
    second = api(vk_emulator, "market.addAlbum", owner_id=OWNER, title="Новинки")["response"]["market_album_id"]
    items = [add_item(vk_emulator), add_item(vk_emulator)]
    ids = ",".join(map(str, items))
    assert api(vk_emulator, "market.addToAlbum", owner_id=OWNER, item_ids=ids, album_ids=f"{first},{second}")
    again = api(vk_emulator, "market.addToAlbum", owner_id=OWNER, item_ids=ids, album_ids=first)
    assert again["error"]["error_code"] == 1404
    albums = api(vk_emulator, "market.getAlbums", owner_id=OWNER)["response"]["items"]
    assert {a["title"]: a["count"] for a in albums} == {"Чай": 2, "Новинки": 2}
    api(vk_emulator, "market.removeFromAlbum", owner_id=OWNER, item_id=items[0], album_ids=second)
    in_second = api(vk_emulator, "market.get", owner_id=OWNER, album_id=second)["response"]
    assert [i["id"] for i in in_second["items"]] == [items[1]]
    assert api(vk_emulator, "market.deleteAlbum", owner_id=OWNER, album_id=99)["error"]["error_code"] == 1402


def test_rate_limit_per_token_answers_error_6(vk_emulator):
    vk_emulator.rate_limit_per_second = 1
    answers = [api(vk_emulator, "users.get") for _ in range(2)]
    assert "response" in answers[0]
    assert answers[1]["error"]["error_code"] == 6


def test_execute_runs_calls_as_one_request_with_false_and_execute_errors(vk_emulator):
    code = (
        f'return [API.market.add({{"owner_id": {OWNER}, "name": "Чай зелёный", "description": "Листовой чай 100 г",'
        f' "category_id": 101}}), API.market.edit({{"owner_id": {OWNER}, "item_id": 404, "price": 1}}),'
        f" API.market.getAlbums({{owner_id: {OWNER}, 'count': 5}}), API.market.delete({{\"owner_id\": {OWNER},"
        ' "item_id": 405})];'
    )
    answer = api(vk_emulator, "execute", code=code)
    assert answer["response"][0] == {"market_item_id": 1}
    assert answer["response"][1] is False and answer["response"][3] is False
    assert answer["response"][2] == {"count": 0, "items": []}
    assert [(e["method"], e["error_code"]) for e in answer["execute_errors"]] == [
        ("market.edit", 1403),
        ("market.delete", 1403),
    ]
    assert vk_emulator.request_count == 1
    assert vk_emulator.counts["market.add"] == 1 and vk_emulator.counts["execute"] == 1


def test_execute_refuses_more_than_25_calls_and_bad_code(vk_emulator):
    code = "return [" + ",".join(["API.users.get({})"] * 26) + "];"
    assert api(vk_emulator, "execute", code=code)["error"]["error_code"] == 13
    assert api(vk_emulator, "execute", code="var a = 1; return a;")["error"]["error_code"] == 12


def test_execute_whose_answer_is_too_big_fails_whole_with_error_13(vk_emulator):
    for n in range(30):
        add_item(vk_emulator, name=f"Чай зелёный № {n}", description="Листовой чай, 100 г. " * 50)
    reads = ",".join([f'API.market.get({{"owner_id": {OWNER}, "count": 200, "extended": 1}})'] * 2)
    one_page = len(str(api(vk_emulator, "market.get", owner_id=OWNER, count=200, extended=1)["response"]))
    assert vk_emulator.execute_response_limit_bytes == 5 * 1024 * 1024  # the default: a guess, as VK states none
    vk_emulator.execute_response_limit_bytes = int(one_page * 1.5)
    before = vk_emulator.counts["market.get"]
    answer = api(vk_emulator, "execute", code=f"return [{reads}];")
    assert answer["error"]["error_code"] == 13
    assert answer["error"]["error_msg"] == "Runtime error occurred during code invocation: response size is too big"
    assert "response" not in answer
    assert vk_emulator.counts["market.get"] == before + 2  # VK ran the calls; only their answer was refused
    assert "response" in api(vk_emulator, "execute", code=f"return [{reads.split(',API')[0]}];")


def test_photo_flow_and_small_images_refused(vk_emulator):
    server = api(vk_emulator, "market.getProductPhotoUploadServer", group_id=TEST_GROUP_ID)["response"]
    small = requests.post(server["upload_url"], files={"file": ("a.png", image_bytes(399, 800, "PNG"))}, timeout=10)
    assert "400x400" in small.json()["error"]
    uploaded = requests.post(server["upload_url"], files={"file": ("a.jpg", image_bytes())}, timeout=10)
    saved = api(vk_emulator, "market.saveProductPhoto", upload_response=uploaded.text)["response"]
    item_id = add_item(vk_emulator, main_photo_id=saved["photo_id"])
    item = api(vk_emulator, "market.getById", item_ids=f"{OWNER}_{item_id}", extended=1)["response"]["items"][0]
    assert item["photos"][0]["id"] == saved["photo_id"] and item["thumb_photo"]
    assert requests.get(item["thumb_photo"], timeout=10).content == image_bytes()
    assert api(vk_emulator, "market.saveProductPhoto", upload_response=uploaded.text)["error"]["error_code"] == 100
    assert vk_emulator.upload_count == 2


def test_photo_of_another_community_is_refused(vk_emulator):
    vk_emulator.add_community(group_id=9, name="Чужой", admins=[501])
    server = api(vk_emulator, "market.getProductPhotoUploadServer", group_id=9)["response"]
    uploaded = requests.post(server["upload_url"], files={"file": ("a.jpg", image_bytes())}, timeout=10)
    photo_id = api(vk_emulator, "market.saveProductPhoto", upload_response=uploaded.text)["response"]["photo_id"]
    answer = api(vk_emulator, "market.add", owner_id=OWNER, name="Чай зелёный", description="Листовой чай, 100 г",
                 category_id=101, main_photo_id=photo_id)  # fmt: skip
    assert answer["error"]["error_code"] == 100


def test_market_not_enabled_and_non_admin(vk_emulator):
    vk_emulator.add_community(group_id=10, name="Без магазина", admins=[501], market_enabled=False)
    vk_emulator.add_community(group_id=11, name="Не мой", admins=[999])
    assert api(vk_emulator, "market.get", owner_id=-10)["error"]["error_code"] == 1438
    answer = api(vk_emulator, "market.addAlbum", owner_id=-11, title="Чай")
    assert answer["error"]["error_code"] == 15


def test_groups_get_by_id_resolves_screen_name_with_market_and_admin(vk_emulator):
    group = api(vk_emulator, "groups.getById", group_id="evoshop", fields="market")["response"]["groups"][0]
    assert (group["id"], group["is_admin"], group["market"]["enabled"]) == (TEST_GROUP_ID, 1, 1)
    assert api(vk_emulator, "groups.getById", group_id="nosuch")["error"]["error_code"] == 100


def test_fail_next_http_error_next_and_delay_next_hit_the_next_requests(vk_emulator):
    vk_emulator.fail_next("users.get", 9, times=2)
    vk_emulator.http_error_next(503)
    assert requests.post(f"{vk_emulator.base_url}/method/users.get", data={"v": "5.199"}, timeout=10).status_code == 503
    assert api(vk_emulator, "users.get")["error"]["error_code"] == 9
    assert api(vk_emulator, "users.get")["error"]["error_code"] == 9
    assert api(vk_emulator, "users.get")["response"][0]["id"] == 501
    vk_emulator.delay_next(0.5)
    with pytest.raises(requests.Timeout):
        requests.post(f"{vk_emulator.base_url}/method/users.get", data={"v": "5.199"}, timeout=0.1)


def test_chaos_fails_a_share_of_requests_in_three_ways_and_a_lost_answer_still_did_the_work(vk_emulator):
    vk_emulator.chaos(1.0, seed=4)  # every request goes wrong
    seen = set()
    for number in range(30):
        data = {"v": "5.199", "access_token": TEST_TOKEN, "owner_id": OWNER, "name": f"Чай номер {number}"}
        data |= {"description": "Листовой чай, 100 г", "category_id": 101, "sku": f"tea-{number}"}
        answer = requests.post(f"{vk_emulator.base_url}/method/market.add", data=data, timeout=10)
        fault = vk_emulator.request_log[-1]["chaos"]
        seen.add(fault)
        made = any(item.sku == f"tea-{number}" for item in vk_emulator.shop(TEST_GROUP_ID).items.values())
        if fault == "error_10_before":
            assert answer.json()["error"]["error_code"] == 10 and not made
        else:
            assert answer.status_code == 502
            assert made == (fault == "answer_lost_after")
    assert seen == {"http_502_before", "error_10_before", "answer_lost_after"}
    vk_emulator.chaos(0)
    assert api(vk_emulator, "users.get")["response"][0]["id"] == 501


def add_in_execute(emu, name):
    code = (
        f'return [API.market.add({{"owner_id": {OWNER}, "name": "{name}", "description": "Листовой чай, 100 г",'
        f' "category_id": 101, "sku": "{name}"}})];'
    )
    return requests.post(
        f"{emu.base_url}/method/execute", data={"v": "5.199", "access_token": TEST_TOKEN, "code": code}, timeout=10
    )


def made(emu, sku):
    return [item for item in emu.shop(TEST_GROUP_ID).items.values() if item.sku == sku]


def test_refuse_next_refuses_the_whole_request_that_calls_the_method_and_does_nothing(vk_emulator):
    vk_emulator.refuse_next("market.add", 6, skip=1)
    assert api(vk_emulator, "users.get")["response"]  # calls no market.add: neither refused nor counted
    assert "response" in add_in_execute(vk_emulator, "Чай первый").json()  # the one skipped
    refused = add_in_execute(vk_emulator, "Чай второй").json()
    assert refused["error"]["error_code"] == 6 and made(vk_emulator, "Чай второй") == []
    assert "response" in add_in_execute(vk_emulator, "Чай второй").json()  # once only
    assert len(made(vk_emulator, "Чай второй")) == 1


def test_lose_answer_next_does_the_work_and_answers_502(vk_emulator):
    vk_emulator.lose_answer_next("market.add", skip=1)
    assert add_in_execute(vk_emulator, "Чай первый").status_code == 200
    lost = add_in_execute(vk_emulator, "Чай второй")
    assert lost.status_code == 502
    assert len(made(vk_emulator, "Чай второй")) == 1  # VK made it all the same
    assert vk_emulator.request_log[-1]["answer_lost"] is True
    assert add_in_execute(vk_emulator, "Чай третий").status_code == 200


def test_on_request_runs_before_the_work_of_a_request_calling_the_method(vk_emulator):
    item_id = add_item(vk_emulator)
    vk_emulator.on_request("market.edit", lambda: vk_emulator.delete_item_by_hand(TEST_GROUP_ID, item_id))
    assert api(vk_emulator, "market.getById", item_ids=f"{OWNER}_{item_id}")["response"]["count"] == 1  # not yet
    code = f'return [API.market.edit({{"owner_id": {OWNER}, "item_id": {item_id}, "price": 5}})];'
    answer = api(vk_emulator, "execute", code=code)
    assert answer["response"] == [False] and answer["execute_errors"][0]["error_code"] == 1403


def test_delay_next_can_wait_for_a_method_and_the_late_request_is_still_done(vk_emulator):
    vk_emulator.delay_next(0.5, method="market.add")
    assert api(vk_emulator, "users.get")["response"]  # not delayed: it calls no market.add
    late = {"v": "5.199", "access_token": TEST_TOKEN, "owner_id": OWNER, "name": "Чай поздний"}
    late |= {"description": "Листовой чай, 100 г", "category_id": 101, "sku": "late"}
    with pytest.raises(requests.Timeout):
        requests.post(f"{vk_emulator.base_url}/method/market.add", data=late, timeout=0.1)
    for _ in range(40):  # bounded: the emulator finishes the late request on its own
        if made(vk_emulator, "late"):
            break
        time.sleep(0.05)
    assert len(made(vk_emulator, "late")) == 1


def test_clear_faults_ends_every_queued_fault_and_the_chaos(vk_emulator):
    vk_emulator.refuse_next("*", 10, times=5)
    vk_emulator.lose_answer_next(times=5)
    vk_emulator.fail_next("users.get", 9)
    vk_emulator.http_error_next(502)
    vk_emulator.chaos(1.0)
    vk_emulator.clear_faults()
    assert api(vk_emulator, "users.get")["response"][0]["id"] == 501
    assert add_in_execute(vk_emulator, "Чай").status_code == 200
