"""The VK emulator's variants: properties and values, items grouped into one card, VK's variant errors."""

import pytest
import requests

from emulators.tests.test_vk_emulator import OWNER, add_item, api
from emulators.vk.conformance import assert_calls_fit_schema
from emulators.vk.fixtures import TEST_GROUP_ID


def add_property(emu, title, *values):
    property_id = api(emu, "market.addProperty", group_id=TEST_GROUP_ID, title=title)["response"]["property_id"]
    ids = [
        api(emu, "market.addPropertyVariant", group_id=TEST_GROUP_ID, property_id=property_id, title=value)["response"][
            "variant_id"
        ]
        for value in values
    ]
    return property_id, ids


def group(emu, *item_ids, **params):
    return api(emu, "market.groupItems", group_id=TEST_GROUP_ID, item_ids=",".join(map(str, item_ids)), **params)


def test_properties_and_values_are_listed_as_made(vk_emulator):
    size, (small, medium) = add_property(vk_emulator, "Размер", "S", "M")
    answer = api(vk_emulator, "market.getProperties", group_id=TEST_GROUP_ID)["response"]
    values = [{"id": small, "title": "S"}, {"id": medium, "title": "M"}]
    assert answer == {"count": 1, "items": [{"id": size, "title": "Размер", "type": "text", "variants": values}]}
    api(vk_emulator, "market.editProperty", group_id=TEST_GROUP_ID, property_id=size, title="Размер одежды")
    assert api(vk_emulator, "market.getProperties", group_id=TEST_GROUP_ID)["response"]["items"][0]["title"] == (
        "Размер одежды"
    )
    assert_calls_fit_schema(vk_emulator)


def test_items_with_values_group_into_one_card_and_market_get_shows_it(vk_emulator):
    _, (small, medium) = add_property(vk_emulator, "Размер", "S", "M")
    first = add_item(vk_emulator, variant_ids=str(small), is_main_variant=1)
    second = add_item(vk_emulator, variant_ids=str(medium))
    card = group(vk_emulator, first, second)["response"]["item_group_id"]
    listed = api(vk_emulator, "market.get", owner_id=OWNER, need_variants=1)["response"]
    by_id = {item["id"]: item for item in listed["items"]}
    assert by_id[first]["variants_grouping_id"] == by_id[second]["variants_grouping_id"] == card
    assert by_id[first]["is_main_variant"] is True and by_id[second]["is_main_variant"] is False
    assert listed["variants"] == []  # both are on the page already
    page = api(vk_emulator, "market.get", owner_id=OWNER, need_variants=1, count=1)["response"]
    assert [v["id"] for v in page["variants"]] == [first]  # the card's other item, off the page


def test_a_new_item_joins_an_existing_card(vk_emulator):
    _, (small, medium, large) = add_property(vk_emulator, "Размер", "S", "M", "L")
    items = [add_item(vk_emulator, variant_ids=str(value)) for value in (small, medium, large)]
    card = group(vk_emulator, *items[:2])["response"]["item_group_id"]
    assert group(vk_emulator, items[2], item_group_id=card)["response"]["item_group_id"] == card
    assert vk_emulator.shop(TEST_GROUP_ID).groupings[card] == items


def test_ungrouping_dissolves_the_card(vk_emulator):
    _, (small, medium) = add_property(vk_emulator, "Размер", "S", "M")
    items = [add_item(vk_emulator, variant_ids=str(value)) for value in (small, medium)]
    card = group(vk_emulator, *items)["response"]["item_group_id"]
    assert api(vk_emulator, "market.ungroupItems", group_id=TEST_GROUP_ID, item_group_id=card)["response"] == 1
    listed = api(vk_emulator, "market.get", owner_id=OWNER)["response"]["items"]
    assert all("variants_grouping_id" not in item for item in listed)


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("different_properties", 1412),
        ("same_values", 1426),
        ("no_values", 1415),
        ("one_item", 1425),
        ("card_has_such_variant", 1413),
        ("card_has_other_properties", 1414),
    ],
)
def test_grouping_errors_follow_the_schema(vk_emulator, case, code):
    _, (small, medium) = add_property(vk_emulator, "Размер", "S", "M")
    _, (white,) = add_property(vk_emulator, "Цвет", "белый")
    s1, s2, m = (add_item(vk_emulator, variant_ids=str(v)) for v in (small, small, medium))
    w = add_item(vk_emulator, variant_ids=str(white))
    bare = add_item(vk_emulator)
    calls = {
        "different_properties": lambda: group(vk_emulator, s1, w),
        "same_values": lambda: group(vk_emulator, s1, s2),
        "no_values": lambda: group(vk_emulator, s1, bare),
        "one_item": lambda: group(vk_emulator, s1),
        "card_has_such_variant": lambda: group(
            vk_emulator, s2, item_group_id=group(vk_emulator, s1, m)["response"]["item_group_id"]
        ),
        "card_has_other_properties": lambda: group(
            vk_emulator, w, item_group_id=group(vk_emulator, s1, m)["response"]["item_group_id"]
        ),
    }
    assert calls[case]()["error"]["error_code"] == code


def test_values_on_items_are_checked(vk_emulator):
    _, (small, medium) = add_property(vk_emulator, "Размер", "S", "M")
    answer = api(vk_emulator, "market.add", owner_id=OWNER, name="Футболка", description="Хлопковая футболка",
                 category_id=301, variant_ids=f"{small},{medium}")  # fmt: skip
    assert answer["error"]["error_code"] == 1426
    answer = api(vk_emulator, "market.add", owner_id=OWNER, name="Футболка", description="Хлопковая футболка",
                 category_id=301, variant_ids="999")  # fmt: skip
    assert answer["error"]["error_code"] == 1416
    first, second = (add_item(vk_emulator, variant_ids=str(v)) for v in (small, medium))
    group(vk_emulator, first, second)
    answer = api(vk_emulator, "market.edit", owner_id=OWNER, item_id=second, variant_ids=str(small))
    assert answer["error"]["error_code"] == 1413
    answer = api(vk_emulator, "market.add", owner_id=OWNER, name="Футболка", description="Хлопковая футболка",
                 category_id=301, variant_ids="1,2,3")  # fmt: skip
    assert answer["error"]["error_code"] == 100  # the schema allows two values at most


def test_a_community_that_refuses_variants_answers_1410(vk_emulator):
    vk_emulator.refuse_variants(TEST_GROUP_ID)
    assert api(vk_emulator, "market.getProperties", group_id=TEST_GROUP_ID)["error"]["error_code"] == 1410
    assert api(vk_emulator, "market.addProperty", group_id=TEST_GROUP_ID, title="Размер")["error"]["error_code"] == 1410
    first, second = add_item(vk_emulator), add_item(vk_emulator)
    assert group(vk_emulator, first, second)["error"]["error_code"] == 1410
    vk_emulator.refuse_variants(TEST_GROUP_ID, refused=False)
    assert api(vk_emulator, "market.getProperties", group_id=TEST_GROUP_ID)["response"]["count"] == 0


def test_the_shop_page_shows_which_card_an_item_is_in(vk_emulator):
    _, (small, medium) = add_property(vk_emulator, "Размер", "S", "M")
    items = [add_item(vk_emulator, variant_ids=str(value)) for value in (small, medium)]
    card = group(vk_emulator, *items)["response"]["item_group_id"]
    page = requests.get(f"{vk_emulator.base_url}/market-{TEST_GROUP_ID}", timeout=10).text
    assert f"Размер: S · карточка {card}, основной вариант" in page
    assert f"Размер: M · карточка {card}<" in page
