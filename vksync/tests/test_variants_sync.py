"""Products with modifications end to end: Evotor's cards become VK cards of variants (emulators both sides)."""

from types import SimpleNamespace

import pytest

from accounts.tests.factories import UserFactory
from catalog.models import Product, ProductGroup, Store
from catalog.services import refresh_catalog
from connections.tests.factories import EvotorConnectionFactory, VkConnectionFactory
from emulators.vk.conformance import assert_calls_fit_schema
from emulators.vk.fixtures import TEST_GROUP_ID
from vksync.engine import run_sync
from vksync.models import CommunityVariants, ProductLink, SyncRun, SyncSettings, VariantCard, VkProperty
from vksync.tests.factories import SyncSettingsFactory
from vksync.tests.helpers import assert_vk_matches_catalog


@pytest.fixture
def cards_shop(db, evotor_emulator, vk_emulator, settings):
    """One store with a few ordinary products and three products in modifications (T-shirts, socks, juice)."""
    settings.VK_RETRY_BACKOFF_SECONDS = 0.01
    merchant = UserFactory()
    ids = evotor_emulator.add_merchant(
        token="tok-cards", user_id="01-000000000000088", seed=5, stores=1, groups=2, products=6, variant_cards=3
    )
    for modifications in ids["cards"].values():  # every modification in stock and for sale
        for product_id in modifications:
            evotor_emulator.update_product("tok-cards", product_id, quantity=5, allow_to_sell=True)
    EvotorConnectionFactory(merchant=merchant, token="tok-cards", evotor_user_id=ids["user_id"])
    VkConnectionFactory(merchant=merchant)
    refresh_catalog(merchant=merchant)
    Store.objects.filter(merchant=merchant).update(sync_enabled=True)
    refresh_catalog(merchant=merchant)
    SyncSettingsFactory(merchant=merchant)
    SyncSettings.objects.filter(merchant=merchant).update(enabled=True, send_stock=True)
    return SimpleNamespace(merchant=merchant, evotor=evotor_emulator, vk=vk_emulator, ids=ids, token="tok-cards")


def sync(shop) -> SyncRun:
    shop.vk.reset_log()
    run = run_sync(merchant=shop.merchant)
    assert run is not None and run.status == SyncRun.Status.DONE, run and run.error
    return run


def vk_item(shop, product_id: str):
    link = ProductLink.objects.get(merchant=shop.merchant, product__evotor_id=product_id)
    return shop.vk.shop(TEST_GROUP_ID).items[link.vk_item_id]


def card_of(shop, card: str) -> set:
    """The VK card ids the card's visible modifications are in (one when they make one card)."""
    return {vk_item(shop, pid).grouping_id for pid in shop.ids["cards"][card] if not vk_item(shop, pid).hidden}


def values_of(shop, item) -> list[tuple[str, str]]:
    properties = shop.vk.shop(TEST_GROUP_ID).properties.values()
    return [(p.title, p.variants[v]) for v in item.variant_ids for p in properties if v in p.variants]


def test_first_sync_makes_one_card_per_product_with_modifications(cards_shop):
    run = sync(cards_shop)
    vk = cards_shop.vk.shop(TEST_GROUP_ID)
    assert run.cards == 3 and run.plan_summary["cards_group"] == 3
    assert len(vk.groupings) == 3
    for card, modifications in cards_shop.ids["cards"].items():
        group = ProductGroup.objects.get(merchant=cards_shop.merchant, evotor_id=card)
        grouped = card_of(cards_shop, card)
        assert len(grouped) == 1 and None not in grouped, group.name
        assert sorted(vk.groupings[grouped.pop()]) == sorted(vk_item(cards_shop, pid).id for pid in modifications)
        mains = [pid for pid in modifications if vk_item(cards_shop, pid).is_main_variant]
        assert len(mains) == 1
        for pid in modifications:  # each modification its own price, stock, sku and values
            product, item = Product.objects.get(evotor_id=pid), vk_item(cards_shop, pid)
            assert item.price == product.price and item.stock_amount == 5 and item.sku == pid
            assert [value for _, value in values_of(cards_shop, item)] == [
                value for value in product.name.split(", ")[1:]
            ]
    titles = sorted(p.title for p in vk.properties.values())
    assert titles == sorted(set(titles)) and {"Размер", "Цвет"} <= set(titles)  # each property made once
    assert VkProperty.objects.filter(merchant=cards_shop.merchant).count() == len(titles)
    assert_vk_matches_catalog(SimpleNamespace(merchant=cards_shop.merchant, vk=cards_shop.vk, group_id=TEST_GROUP_ID))
    assert_calls_fit_schema(cards_shop.vk)


def test_second_sync_reuses_properties_and_cards(cards_shop):
    sync(cards_shop)
    run = sync(cards_shop)
    called = cards_shop.vk.methods_called()
    assert not {"market.getProperties", "market.addProperty", "market.groupItems"} & set(called)
    assert run.plan_summary["writes"] == 0


def test_a_new_modification_joins_its_card(cards_shop):
    sync(cards_shop)
    card = next(
        c
        for c in cards_shop.ids["cards"]
        if "Размер" in str(cards_shop.evotor.groups(cards_shop.token, cards_shop.ids["stores"][0]))
    )
    group = ProductGroup.objects.get(merchant=cards_shop.merchant, evotor_id=card)
    before = card_of(cards_shop, card)
    choices = {a["name"]: ("XXL" if a["name"] == "Размер" else a["choices"][0]["name"]) for a in group.attributes}
    added = cards_shop.evotor.add_modification(cards_shop.token, card, choices, quantity=3)
    refresh_catalog(merchant=cards_shop.merchant)
    run = sync(cards_shop)
    assert run.created == 1 and run.plan_summary["property_values_create"] == 1
    assert "market.addProperty" not in cards_shop.vk.methods_called()  # «Размер» is known: only its new value
    assert card_of(cards_shop, card) == before  # the same card, one item more
    assert vk_item(cards_shop, added["id"]).grouping_id in before
    assert ("Размер", "XXL") in values_of(cards_shop, vk_item(cards_shop, added["id"]))


def test_a_removed_modification_is_hidden_and_leaves_the_card(cards_shop):
    sync(cards_shop)
    card, modifications = next(iter(cards_shop.ids["cards"].items()))
    gone = modifications[0]
    cards_shop.evotor.remove_product(cards_shop.token, gone)
    refresh_catalog(merchant=cards_shop.merchant)
    run = sync(cards_shop)
    assert run.hidden == 1 and run.plan_summary["cards_ungroup"] == 1 and run.plan_summary["cards_group"] == 1
    item = vk_item(cards_shop, gone)
    assert item.hidden and item.grouping_id is None
    rest = card_of(cards_shop, card)
    assert len(rest) == 1 and None not in rest
    vk = cards_shop.vk.shop(TEST_GROUP_ID)
    assert sorted(vk.groupings[next(iter(rest))]) == sorted(vk_item(cards_shop, pid).id for pid in modifications[1:])
    state = VariantCard.objects.get(merchant=cards_shop.merchant, card_key=card)
    assert state.vk_card_id in rest and len(state.product_ids) == len(modifications) - 1


def test_the_dry_run_lists_the_cards_it_would_make(cards_shop):
    run = run_sync(merchant=cards_shop.merchant, dry_run=True)
    assert run.status == SyncRun.Status.DONE
    assert run.plan_summary["cards_group"] == 3 and run.plan_summary["properties_create"] >= 2
    listed = {entry["title"]: entry for entry in run.plan_summary["cards"]}
    assert len(listed) == 3 and all(entry["action"] == "собрать карточку" for entry in listed.values())
    assert cards_shop.vk.shop(TEST_GROUP_ID).items == {}


def test_a_community_refusing_variants_gets_separate_items_with_values_in_the_name(cards_shop, client):
    card, modifications = next(iter(cards_shop.ids["cards"].items()))
    for pid in modifications:  # names without the values: the fallback must add them
        cards_shop.evotor.update_product(cards_shop.token, pid, name="Модель без размера")
    refresh_catalog(merchant=cards_shop.merchant)
    cards_shop.vk.refuse_variants(TEST_GROUP_ID)
    run = sync(cards_shop)
    vk = cards_shop.vk.shop(TEST_GROUP_ID)
    assert vk.groupings == {} and vk.properties == {}
    first = Product.objects.get(evotor_id=modifications[0])
    values = ", ".join(f"{name}: {value}" for name, value in _values(first))
    assert vk_item(cards_shop, modifications[0]).title == f"Модель без размера ({values})"
    assert CommunityVariants.objects.get(merchant=cards_shop.merchant).refused
    assert run.created == len([i for i in vk.items.values() if not i.hidden]) or run.created > 0
    assert sync(cards_shop).plan_summary["writes"] == 0  # what was sent is what the next plan wants
    assert "market.getProperties" not in cards_shop.vk.methods_called()  # remembered: VK is not asked again
    client.force_login(cards_shop.merchant)
    page = client.get("/sync").content.decode()
    assert "не принимает варианты" in page


def _values(product):
    from catalog.variants import product_choices, variant_values

    group = ProductGroup.objects.get(merchant=product.merchant, evotor_id=product.parent_evotor_id)
    return variant_values(group.attributes, product_choices(product.extra))


@pytest.mark.parametrize("code", [1412, 1413, 1414, 1415, 1425, 1426])
def test_a_card_vk_refuses_goes_separate_from_the_next_run(cards_shop, code):
    cards_shop.vk.fail_next("market.groupItems", code)
    run = sync(cards_shop)
    assert run.cards == 2  # the other two cards are made
    refused = VariantCard.objects.get(merchant=cards_shop.merchant, separate=True)
    assert f"код {code}" in refused.reason
    assert SyncSettings.objects.get(merchant=cards_shop.merchant).dirty  # one more run follows at once
    sync(cards_shop)
    for pid in cards_shop.ids["cards"][refused.card_key]:
        item = vk_item(cards_shop, pid)
        assert item.grouping_id is None and not item.hidden
    assert sync(cards_shop).plan_summary["writes"] == 0


def test_variants_switched_off_later_fall_back_without_a_failed_run(cards_shop):
    sync(cards_shop)
    card, modifications = next(iter(cards_shop.ids["cards"].items()))
    cards_shop.evotor.remove_product(cards_shop.token, modifications[0])
    refresh_catalog(merchant=cards_shop.merchant)
    cards_shop.vk.refuse_variants(TEST_GROUP_ID)
    run = sync(cards_shop)
    assert CommunityVariants.objects.get(merchant=cards_shop.merchant).refused
    assert SyncSettings.objects.get(merchant=cards_shop.merchant).dirty
    assert sync(cards_shop).status == SyncRun.Status.DONE and run.failed == 0


def test_a_property_vk_refuses_sends_its_cards_separate(cards_shop):
    cards_shop.vk.fail_next("market.addPropertyVariant", 1419)
    run = sync(cards_shop)
    assert run.failed == 0
    refused = VariantCard.objects.get(merchant=cards_shop.merchant, separate=True)
    assert "код 1419" in refused.reason
    sync(cards_shop)
    assert all(vk_item(cards_shop, pid).grouping_id is None for pid in cards_shop.ids["cards"][refused.card_key])
    assert sync(cards_shop).plan_summary["writes"] == 0


def test_properties_made_by_hand_in_vk_are_reused(cards_shop):
    vk = cards_shop.vk.shop(TEST_GROUP_ID)
    from emulators.vk.state import Property

    vk.properties[77] = Property(id=77, title="Размер", variants={500: "M"})
    vk.next_property_id, vk.next_variant_id = 78, 501
    sync(cards_shop)
    assert [p.title for p in vk.properties.values()].count("Размер") == 1
    assert list(vk.properties[77].variants.values()).count("M") == 1


def test_the_dry_run_command_lists_the_cards(cards_shop):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("sync_vk", user=cards_shop.merchant.email, dry_run=True, stdout=out)
    text = out.getvalue()
    assert "3 variant cards to group" in text
    assert text.count("собрать карточку") == 3


def test_try_again_forgets_the_refusal_and_makes_the_cards(cards_shop, client, django_capture_on_commit_callbacks):
    cards_shop.vk.refuse_variants(TEST_GROUP_ID)
    sync(cards_shop)
    cards_shop.vk.refuse_variants(TEST_GROUP_ID, refused=False)  # the merchant enabled variants in VK
    client.force_login(cards_shop.merchant)
    assert "Проверить снова" in client.get("/sync").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/sync/variants/retry")
    assert not CommunityVariants.objects.get(merchant=cards_shop.merchant).refused
    run = SyncRun.objects.filter(merchant=cards_shop.merchant).first()
    assert run.status == SyncRun.Status.DONE and run.cards == 3  # tasks run eagerly in tests
    assert len(cards_shop.vk.shop(TEST_GROUP_ID).groupings) == 3
    page = client.get("/sync").content.decode()
    assert "Карточек с вариантами в VK: <strong>3</strong>" in page
    assert "карточек с вариантами собрано: 3" in page  # the run's line among the last runs


def test_a_value_vk_does_not_know_makes_evosync_read_the_properties_again(cards_shop):
    sync(cards_shop)
    first = next(iter(cards_shop.ids["cards"].values()))[0]
    cards_shop.evotor.update_product(cards_shop.token, first, price=1234)
    refresh_catalog(merchant=cards_shop.merchant)
    cards_shop.vk.fail_next("market.edit", 1416)  # as when a value was deleted by hand in VK
    assert sync(cards_shop).failed == 1
    assert not VkProperty.objects.filter(merchant=cards_shop.merchant).exists()  # forgotten: read again next time
    made = len(cards_shop.vk.shop(TEST_GROUP_ID).properties)
    run = sync(cards_shop)
    assert run.failed == 0 and run.updated == 1
    called = cards_shop.vk.methods_called()
    assert "market.getProperties" in called and "market.addProperty" not in called  # found again, not made twice
    assert len(cards_shop.vk.shop(TEST_GROUP_ID).properties) == made
