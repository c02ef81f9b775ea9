"""The emulated register: `/sales` (the page) and `manage.py emulator_sell` sell a product, lower its stock and
make the receipt Evotor would send; the Events API logs the change."""

import io

import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError

V2 = {"Accept": "application/vnd.evotor.v2+json"}


@pytest.fixture
def register(evotor_emulator):
    ids = evotor_emulator.add_merchant(token="tok-s", stores=1, groups=2, products=10)
    product = evotor_emulator.product("tok-s", ids["products"][ids["stores"][0]][0])
    evotor_emulator.update_product("tok-s", product["id"], quantity=50)
    return evotor_emulator, product


def test_the_sales_page_lists_products_and_sells_three(register):
    emulator, product = register
    page = requests.get(emulator.base_url + "/sales", timeout=10)
    assert page.status_code == 200 and product["name"] in page.text
    sold = requests.post(emulator.base_url + "/sales", data={"product_id": product["id"], "quantity": 3}, timeout=10)
    assert "Продано 3" in sold.text
    assert emulator.product("tok-s", product["id"])["quantity"] == 47
    receipt = emulator.receipts[-1]
    assert receipt["data"]["type"] == "SELL" and receipt["data"]["items"][0]["id"] == product["id"]


def test_the_command_sells_by_part_of_the_name(register):
    emulator, product = register
    out = io.StringIO()
    call_command("emulator_sell", product["name"][2:9], quantity=3, evotor_url=emulator.base_url, stdout=out)
    assert "Продано 3" in out.getvalue()
    assert emulator.product("tok-s", product["id"])["quantity"] == 47


def test_the_command_says_when_no_product_matches(register):
    emulator, _product = register
    with pytest.raises(CommandError, match="Такого товара нет"):
        call_command("emulator_sell", "нет такого товара нигде", evotor_url=emulator.base_url, stdout=io.StringIO())


def test_the_events_api_needs_the_publishers_token_and_lists_the_sale(register):
    emulator, product = register
    emulator.sell("tok-s", product["id"], 1, notify=False)
    path = f"{emulator.base_url}/api/apps/{emulator.app_id}/events"
    assert requests.get(path, headers={**V2, "Authorization": "Bearer tok-s"}, timeout=10).status_code == 401
    answer = requests.get(path, headers={**V2, "Authorization": f"Bearer {emulator.publisher_token}"}, timeout=10)
    events = answer.json()["items"]
    assert events[-1]["payload"]["id"] == product["id"] and events[-1]["payload"]["quantity"] == 49
