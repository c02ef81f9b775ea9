"""What the planner needs about products with modifications, read once per run (`CardInputs`).

From the catalog: the cards (groups declaring attributes) and each published modification's values; from the
mapping: what VK holds for each card, the properties and values known in the community, and whether the
community refused variants. `fields_for` then gives each modification's fields: one item of its card, or a
separate item with its values in the name (`vksync.variants` has the rules).
"""

from dataclasses import dataclass, field

from catalog.models import ProductGroup
from catalog.selectors import published_products
from catalog.variants import product_choices, variant_values
from vksync import rules, variants
from vksync.models import CommunityVariants, VariantCard, VkProperty, VkPropertyValue
from vksync.reserved import less_reserved

SEPARATE_REFUSED = "VK не принимает варианты товаров в этом сообществе"


@dataclass(frozen=True)
class Card:
    key: str
    title: str
    parent: str | None  # the group above the card: its album and category are the modifications'
    separate_because: str | None  # None: the card goes to VK as one


@dataclass(frozen=True)
class CardInputs:
    cards: dict[str, Card] = field(default_factory=dict)
    modifications: dict[int, tuple[str, tuple, bool]] = field(default_factory=dict)  # product → (card, values, main)
    states: dict[str, variants.CardState] = field(default_factory=dict)
    properties: dict[str, set[str]] = field(default_factory=dict)
    refused: bool = False

    def card_of(self, product_id: int) -> Card | None:
        found = self.modifications.get(product_id)
        return self.cards[found[0]] if found else None

    def fields_for(self, product_id: int, fields: dict) -> tuple[dict, str | None]:
        """(the item's fields, its card key or None when it goes alone)."""
        found = self.modifications.get(product_id)
        if found is None:
            return fields, None
        key, values, main = found
        as_card = variants.card_fields(fields, values, main=main)
        if self.cards[key].separate_because:
            return variants.separate_fields(as_card), None
        return as_card, key

    @property
    def titles(self) -> dict[str, str]:
        return {key: card.title for key, card in self.cards.items()}


def load_cards(*, merchant, group_id: int, item_rules: rules.Rules, reserved: dict | None = None) -> CardInputs:
    """The cards of the merchant's published catalog and what VK holds of them in community `group_id`."""
    groups = ProductGroup.objects.filter(merchant=merchant, removed=False)
    declared = {
        evotor_id: (name, attributes, parent)
        for evotor_id, name, attributes, parent in groups.values_list(
            "evotor_id", "name", "attributes", "parent_evotor_id"
        )
        if attributes
    }
    states = {card.card_key: card for card in VariantCard.objects.filter(merchant=merchant, group_id=group_id)}
    if not declared and not states:
        return CardInputs()
    refusal = CommunityVariants.objects.filter(merchant=merchant, group_id=group_id, refused=True).first()
    found: dict[str, list[variants.Modification]] = {}
    rows = published_products(merchant=merchant).filter(parent_evotor_id__in=list(declared))
    for row in rows.values("id", "parent_evotor_id", "extra", "quantity", "allow_to_sell").iterator(chunk_size=2000):
        row = less_reserved(row, reserved or {})
        _name, attributes, _parent = declared[row["parent_evotor_id"]]
        values = variant_values(attributes, product_choices(row["extra"]))
        modification = variants.Modification(
            row["id"], values, rules.is_available(row, item_rules), _order(attributes, values)
        )
        found.setdefault(row["parent_evotor_id"], []).append(modification)
    cards, modifications = {}, {}
    for key, found_here in found.items():
        name, attributes, parent = declared[key]
        state = states.get(key)
        because = (
            (SEPARATE_REFUSED if refusal else None)
            or ((state.reason or SEPARATE_REFUSED) if state and state.separate else None)
            or variants.why_separate(found_here, len(attributes))
        )
        cards[key] = Card(key, name, parent, because)
        main = variants.main_modification(found_here)
        for m in found_here:
            modifications[m.product_id] = (key, m.values, m.product_id == main)
    return CardInputs(
        cards=cards,
        modifications=modifications,
        states={
            key: variants.CardState(state.vk_card_id, tuple(state.product_ids or ()), state.separate)
            for key, state in states.items()
        },
        properties=_properties(merchant, group_id),
        refused=refusal is not None,
    )


def _order(attributes: list[dict], values: tuple) -> tuple:
    names = {attribute["name"]: [c["name"] for c in attribute["choices"]] for attribute in attributes}
    return tuple(names[a].index(v) if v in names.get(a, []) else len(names.get(a, [])) for a, v in values)


def _properties(merchant, group_id: int) -> dict[str, set[str]]:
    """Property title → the value titles EvoSync knows in the community (made or found there)."""
    known: dict[str, set[str]] = {
        title: set()
        for title in VkProperty.objects.filter(merchant=merchant, group_id=group_id).values_list("title", flat=True)
    }
    values = VkPropertyValue.objects.filter(property__merchant=merchant, property__group_id=group_id)
    for prop, value in values.values_list("property__title", "title"):
        known.setdefault(prop, set()).add(value)
    return known
