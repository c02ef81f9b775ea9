"""The Evotor emulator answers like the reference page says (real HTTP on loopback)."""

import io

import pytest
import requests
from PIL import Image

from emulators.evotor import EvotorEmulator
from emulators.evotor.generator import generate_catalog

V2 = {"Accept": "application/vnd.evotor.v2+json"}


def get(emu, path, token="tok-1", headers=None, **params):
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(emu.base_url + path, headers={**V2, **auth, **(headers or {})}, params=params, timeout=10)


def test_same_seed_gives_the_same_catalog():
    one = generate_catalog(seed=7, user_id="01-1", stores=2, groups=5, products=20)
    two = generate_catalog(seed=7, user_id="01-1", stores=2, groups=5, products=20)
    other = generate_catalog(seed=8, user_id="01-1", stores=2, groups=5, products=20)
    assert one == two
    assert one != other


def test_catalog_has_nested_groups_odd_quantities_and_unsellable_products():
    emu = EvotorEmulator()
    ids = emu.add_merchant(stores=1, groups=12, products=400, seed=3)
    store_id = ids["stores"][0]
    groups = emu.groups("tok-1", store_id)
    products = emu.products("tok-1", store_id)
    group_ids = {g["id"] for g in groups}
    assert any(g["parent_id"] in group_ids for g in groups)
    assert any(p["quantity"] == 0 for p in products)
    assert any(p["quantity"] < 0 for p in products)
    assert any(p["allow_to_sell"] is False for p in products)
    assert all(len(p["name"]) <= 128 for p in products)
    assert any("is_excisable" in p for p in products)  # a field EvoSync does not know
    assert products[0]["updated_at"][-5:] == "+0000" and products[0]["updated_at"][-9] == "."


def test_wrong_accept_is_406_and_missing_token_is_401(evotor_emulator):
    evotor_emulator.add_merchant(products=1)
    assert get(evotor_emulator, "/stores", headers={"Accept": "application/json"}).status_code == 406
    assert get(evotor_emulator, "/stores", token=None).status_code == 401
    assert get(evotor_emulator, "/stores", token="nope").status_code == 401


def test_old_x_authorization_header_is_accepted(evotor_emulator):
    evotor_emulator.add_merchant(products=1)
    response = requests.get(evotor_emulator.base_url + "/stores", headers={**V2, "X-Authorization": "tok-1"}, timeout=5)
    assert response.status_code == 200
    assert len(response.json()["items"]) == 2


def test_products_come_in_cursor_pages_with_rate_limit_headers(evotor_emulator):
    evotor_emulator.page_size = 100
    ids = evotor_emulator.add_merchant(stores=1, products=250)
    store_id = ids["stores"][0]
    seen, cursor, pages = [], None, 0
    while True:
        response = get(evotor_emulator, f"/stores/{store_id}/products", **({"cursor": cursor} if cursor else {}))
        assert response.headers["X-RateLimit-Limit"]
        assert "X-RateLimit-Remaining" in response.headers and "X-RateLimit-Reset" in response.headers
        body = response.json()
        seen += [p["id"] for p in body["items"]]
        pages += 1
        cursor = body["paging"].get("next_cursor")
        if not cursor:
            assert body["paging"] == {}
            break
    assert pages == 3
    assert sorted(seen) == sorted(ids["products"][store_id])
    assert evotor_emulator.request_counts["GET /stores/{store_id}/products"] == 3


def test_fault_hooks_fail_one_store_the_next_requests_and_after_n_requests(evotor_emulator):
    ids = evotor_emulator.add_merchant(products=5)
    first, second = ids["stores"]
    evotor_emulator.fail_store(first, 402)
    assert get(evotor_emulator, f"/stores/{first}/products").status_code == 402
    assert get(evotor_emulator, f"/stores/{second}/products").status_code == 200
    evotor_emulator.fail_next(503, times=2)
    assert [get(evotor_emulator, "/stores").status_code for _ in range(3)] == [503, 503, 200]
    evotor_emulator.rate_limit_after(1, times=1, reset=7)
    assert get(evotor_emulator, "/stores").status_code == 200
    limited = get(evotor_emulator, "/stores")
    assert limited.status_code == 429
    assert limited.headers["X-RateLimit-Reset"] == "7"
    evotor_emulator.malformed_next()
    with pytest.raises(ValueError):
        get(evotor_emulator, "/stores").json()


def test_the_per_token_limit_counts_each_token_says_what_is_left_and_refuses_with_429(evotor_emulator):
    evotor_emulator.add_merchant(token="tok-1", products=5)
    evotor_emulator.add_merchant(token="tok-2", products=5)
    assert get(evotor_emulator, "/stores").headers["X-RateLimit-Limit"] == "5000"  # off by default
    evotor_emulator.limit_per_token(2, seconds=1.0)
    first, second = get(evotor_emulator, "/stores"), get(evotor_emulator, "/stores")
    assert (first.headers["X-RateLimit-Limit"], first.headers["X-RateLimit-Remaining"]) == ("2", "1")
    assert (second.headers["X-RateLimit-Remaining"], second.headers["X-RateLimit-Reset"]) == ("0", "1")
    refused = get(evotor_emulator, "/stores")
    assert refused.status_code == 429 and refused.headers["X-RateLimit-Reset"] == "1"
    assert get(evotor_emulator, "/stores", token="tok-2").status_code == 200  # another token's own window
    assert evotor_emulator.quota.refused == 1
    evotor_emulator.clear_faults()
    assert get(evotor_emulator, "/stores").status_code == 200


def test_images_are_real_pictures_of_at_least_400px(evotor_emulator):
    ids = evotor_emulator.add_merchant(stores=1, products=40, image_share=1.0)
    store_id = ids["stores"][0]
    product_id = ids["images"][0]
    images = get(evotor_emulator, f"/stores/{store_id}/products/{product_id}/images").json()["items"]
    assert images[0]["product_id"] == product_id
    picture = requests.get(images[0]["url"], timeout=5)
    assert picture.status_code == 200
    assert images[0]["meta"]["file_size"] == len(picture.content) < 100_000
    width, height = Image.open(io.BytesIO(picture.content)).size
    assert width >= 400 and height >= 400


def test_mutators_change_what_the_api_answers(evotor_emulator):
    ids = evotor_emulator.add_merchant(stores=1, products=3)
    store_id = ids["stores"][0]
    gone, changed = ids["products"][store_id][:2]
    evotor_emulator.remove_product("tok-1", gone)
    evotor_emulator.update_product("tok-1", changed, price=12.5)
    items = {p["id"]: p for p in get(evotor_emulator, f"/stores/{store_id}/products").json()["items"]}
    assert gone not in items
    assert items[changed]["price"] == 12.5
    evotor_emulator.revoke_token("tok-1")
    assert get(evotor_emulator, "/stores").status_code == 401


def test_two_merchants_with_the_same_seed_page_independently(evotor_emulator):
    evotor_emulator.page_size = 10
    one = evotor_emulator.add_merchant(token="a", seed=5, stores=1, products=25)
    evotor_emulator.add_merchant(token="b", seed=5, stores=1, products=25)
    store_id = one["stores"][0]
    evotor_emulator.remove_product("b", one["products"][store_id][0])
    first = get(evotor_emulator, f"/stores/{store_id}/products", token="a").json()
    second = get(evotor_emulator, f"/stores/{store_id}/products", token="b", cursor=first["paging"]["next_cursor"])
    assert second.status_code == 200
    assert get(evotor_emulator, f"/stores/{store_id}/products", token="a", cursor="%%%").status_code == 400
