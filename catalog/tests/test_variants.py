"""Evotor's modifications read into plain values (catalog.variants), and cached by the refresh."""

from catalog.models import Product, ProductGroup, Store
from catalog.services import refresh_catalog
from catalog.variants import group_attributes, product_choices, variant_values
from connections.tests.factories import EvotorConnectionFactory

SIZE = {"id": "a1", "name": "Размер", "choices": [{"id": "c1", "name": "S"}, {"id": "c2", "name": "M"}]}
COLOUR = {"id": "a2", "name": "Цвет", "choices": [{"id": "c3", "name": "белый"}]}


def test_values_follow_the_groups_order_by_choice_id_name_or_plain_value():
    attributes = group_attributes({"attributes": [SIZE, COLOUR, {"name": ""}, "junk"]})
    assert [a["name"] for a in attributes] == ["Размер", "Цвет"]
    assert variant_values(attributes, {"a2": "c3", "a1": "c2"}) == (("Размер", "M"), ("Цвет", "белый"))
    assert variant_values(attributes, {"Размер": "XL"}) == (("Размер", "XL"),)  # by name, a value as it is
    assert variant_values(attributes, {}) == ()


def test_the_field_names_are_settings(settings):
    settings.EVOTOR_VARIANT_ATTRIBUTES_FIELD = "modifications"
    settings.EVOTOR_VARIANT_CHOICES_FIELD = "choices_of"
    assert group_attributes({"modifications": [SIZE]})[0]["name"] == "Размер"
    assert product_choices({"choices_of": {"a1": "c1"}}) == {"a1": "c1"}
    assert group_attributes({"attributes": [SIZE]}) == []


def test_refresh_caches_the_cards_and_the_choices(db, evotor_emulator):
    ids = evotor_emulator.add_merchant(token="tok-v", stores=1, groups=2, products=3, variant_cards=2)
    connection = EvotorConnectionFactory(token="tok-v", evotor_user_id=ids["user_id"])
    refresh_catalog(merchant=connection.merchant)
    Store.objects.update(sync_enabled=True)
    for card, modifications in ids["cards"].items():
        group = ProductGroup.objects.get(evotor_id=card)
        assert group.attributes and all(a["choices"] for a in group.attributes)
        for product in Product.objects.filter(evotor_id__in=modifications):
            values = variant_values(group.attributes, product_choices(product.extra))
            assert len(values) == len(group.attributes)
            assert product.name == ", ".join([group.name, *(value for _, value in values)])
