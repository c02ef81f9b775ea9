"""The rules for products with modifications, on plain values (vksync.variants: no database, no network)."""

from vksync import planning as p
from vksync import variants
from vksync.variants import CardState, Modification

SIZE_S, SIZE_M, SIZE_L = (("Размер", "S"),), (("Размер", "M"),), (("Размер", "L"),)


def item(product_id, values, *, card="tee", visible=True, name="Футболка"):
    fields = variants.card_fields({"name": name, "deleted": 0 if visible else 1}, values, main=False)
    return p.DesiredItem(product_id, f"sku-{product_id}", fields, "", f"h{product_id}", None, card)


def plan(desired, cards=None, properties=None, present=None):
    known = properties if properties is not None else {"Размер": {"S", "M", "L"}}
    return variants.plan_variants(desired=desired, cards=cards or {}, properties=known, present=present)


def kinds(ops):
    return [(op.kind, op.card_key, op.product_ids, op.vk_card_id) for op in ops]


def test_a_card_of_modifications_goes_to_vk_as_one():
    assert variants.why_separate([Modification(1, SIZE_S, True), Modification(2, SIZE_M, True)], 1) is None


def test_more_than_two_attributes_make_separate_items():
    values = (("Размер", "S"), ("Цвет", "белый"), ("Рукав", "короткий"))
    assert variants.why_separate([Modification(1, values, True)], 3) == variants.SEPARATE_TOO_MANY


def test_a_modification_lacking_a_value_makes_separate_items():
    found = [Modification(1, SIZE_S + (("Цвет", "белый"),), True), Modification(2, SIZE_M, True)]
    assert variants.why_separate(found, 2) == variants.SEPARATE_MISSING


def test_two_modifications_with_the_same_values_make_separate_items():
    assert variants.why_separate([Modification(1, SIZE_S, True), Modification(2, SIZE_S, True)], 1) == (
        variants.SEPARATE_SAME
    )


def test_the_main_item_is_the_first_visible_in_the_cards_order():
    found = [
        Modification(1, SIZE_M, True, (1,)),
        Modification(2, SIZE_S, False, (0,)),
        Modification(3, SIZE_L, True, (2,)),
    ]
    assert variants.main_modification(found) == 1


def test_separate_items_show_the_values_their_name_lacks():
    fields = variants.card_fields(
        {"name": "Футболка, M", "price": "10"}, (("Размер", "M"), ("Цвет", "белый")), main=True
    )
    alone = variants.separate_fields(fields)
    assert alone == {"name": "Футболка, M (Цвет: белый)", "price": "10"}


def test_separate_names_keep_the_values_within_vk_limit():
    name = variants.name_with_values("Ф" * 100, [("Размер", "XXL")])
    assert name.endswith("(Размер: XXL)") and len(name) <= 100


def test_first_plan_makes_missing_properties_and_values_then_the_card():
    ops = plan([item(1, SIZE_S), item(2, SIZE_M)], properties={"Размер": {"S"}})
    assert [(op.kind, op.property_title, op.title) for op in ops[:1]] == [(p.ADD_PROPERTY_VALUE, "Размер", "M")]
    assert kinds(ops[1:]) == [(p.GROUP_CARD, "tee", (1, 2), None)]
    ops = plan([item(1, SIZE_S)], properties={})
    assert [(op.kind, op.title) for op in ops] == [(p.ADD_PROPERTY, "Размер"), (p.ADD_PROPERTY_VALUE, "S")]


def test_a_card_held_as_wanted_needs_nothing():
    assert plan([item(1, SIZE_S), item(2, SIZE_M)], cards={"tee": CardState(9, (1, 2))}) == []


def test_a_new_modification_joins_the_card_vk_holds():
    ops = plan([item(1, SIZE_S), item(2, SIZE_M), item(3, SIZE_L)], cards={"tee": CardState(9, (1, 2))})
    assert kinds(ops) == [(p.GROUP_CARD, "tee", (1, 2, 3), 9)]


def test_a_modification_leaving_ungroups_the_card_and_groups_the_rest():
    desired = [item(1, SIZE_S), item(2, SIZE_M, visible=False), item(3, SIZE_L)]
    ops = plan(desired, cards={"tee": CardState(9, (1, 2, 3))})
    assert kinds(ops) == [(p.UNGROUP_CARD, "tee", (), 9), (p.GROUP_CARD, "tee", (1, 3), None)]


def test_a_card_left_with_one_modification_is_only_ungrouped():
    ops = plan([item(1, SIZE_S), item(2, SIZE_M, visible=False)], cards={"tee": CardState(9, (1, 2))})
    assert kinds(ops) == [(p.UNGROUP_CARD, "tee", (), 9)]


def test_a_card_gone_from_the_catalog_is_ungrouped():
    assert kinds(plan([], cards={"tee": CardState(9, (1, 2))})) == [(p.UNGROUP_CARD, "tee", (), 9)]


def test_one_modification_alone_is_not_grouped():
    assert plan([item(1, SIZE_S)]) == []


def test_an_item_vk_lost_rejoins_its_card():
    ops = plan([item(1, SIZE_S), item(2, SIZE_M)], cards={"tee": CardState(9, (1, 2))}, present={1})
    assert kinds(ops) == [(p.GROUP_CARD, "tee", (1, 2), 9)]


def test_separate_items_are_not_grouped():
    alone = p.DesiredItem(1, "sku-1", {"name": "Футболка (Размер: S)"}, "", "h1")
    assert plan([alone]) == []


def test_the_summary_counts_the_variant_work():
    ops = plan([item(1, SIZE_S), item(2, SIZE_M)], properties={})
    summary = p.Plan(operations=ops, shop_size=0, brake_limit=0).summary()
    assert (summary["properties_create"], summary["property_values_create"], summary["cards_group"]) == (1, 2, 1)
    assert summary["writes"] == 4
    assert variants.card_work(ops) == [{"title": "tee", "action": "собрать карточку", "variants": 2}]
