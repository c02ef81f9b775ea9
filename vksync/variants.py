"""Products with modifications as VK cards: the rules and the plan for them, pure (no database, no network).

A product with modifications in Evotor (a group declaring attributes, `catalog.variants`) becomes one VK card:
an item per modification, each carrying its values (VK's properties: «Размер: M»), grouped with
market.groupItems. When the card cannot be one (VK refused variants in the community or for this card, more
than two attributes, modifications lacking a value or sharing one), its modifications go as separate items
with their values in the name.

In the desired item's fields a card's item carries `variant_values` ([[property, value], …]: the applier turns
them into VK's `variant_ids`) and `is_main_variant`; both are in the pushed hash, so a change of values or of
the main modification edits the item.
"""

from dataclasses import dataclass

from vksync import planning as p
from vksync import rules

VK_VALUES_PER_ITEM = 2  # market.add/edit: variant_ids has at most 2 items (one value per property)
VARIANT_KEYS = ("variant_values", "is_main_variant")
CARD_WORK_LISTED = 50  # card changes named in a plan's summary (the dry run's list)

SEPARATE_TOO_MANY = "больше двух атрибутов: VK показывает у товара не больше двух свойств"
SEPARATE_MISSING = "не у всех модификаций заданы все атрибуты"
SEPARATE_SAME = "у двух модификаций одинаковые значения атрибутов"


@dataclass(frozen=True)
class Modification:
    """One modification of a card, as the rules see it."""

    product_id: int
    values: tuple[tuple[str, str], ...]  # ((attribute, choice), …) in the order the card declares them
    visible: bool
    order: tuple = ()  # its choices' places in the card's lists: the first visible one is the card's main item


@dataclass(frozen=True)
class CardState:
    """What EvoSync knows VK holds for a card (VariantCard)."""

    vk_card_id: int | None = None
    product_ids: tuple[int, ...] = ()
    separate: bool = False


def why_separate(modifications: list[Modification], attributes: int) -> str | None:
    """Why a card's modifications cannot be one VK card (None: they can), before VK is asked."""
    if attributes > VK_VALUES_PER_ITEM:
        return SEPARATE_TOO_MANY
    if any(len(m.values) != attributes or not m.values for m in modifications):
        return SEPARATE_MISSING
    if len({m.values for m in modifications}) < len(modifications):
        return SEPARATE_SAME
    return None


def main_modification(modifications: list[Modification]) -> int | None:
    """The product shown first on the card: the first visible modification in the card's order."""
    visible = [m for m in modifications if m.visible] or modifications
    return min(visible, key=lambda m: (m.order, m.product_id)).product_id if visible else None


def card_fields(fields: dict, values: tuple, *, main: bool) -> dict:
    """The item's fields as one item of a card."""
    return {**fields, "variant_values": [list(pair) for pair in values], "is_main_variant": int(main)}


def separate_fields(fields: dict) -> dict:
    """The fields of a card's item sent on its own: no variant parameters, the values in the name."""
    if "variant_values" not in fields:
        return fields
    alone = {key: value for key, value in fields.items() if key not in VARIANT_KEYS}
    alone["name"] = name_with_values(fields["name"], fields["variant_values"])
    return alone


def name_with_values(name: str, values) -> str:
    """«Футболка (Размер: M, Цвет: белый)»: the values the name does not show yet, within VK's 100 characters."""
    missing = [(prop, value) for prop, value in values if value.casefold() not in name.casefold()]
    if not missing:
        return name
    suffix = " (" + ", ".join(f"{prop}: {value}" for prop, value in missing) + ")"
    room = rules.VK_NAME_MAX - rules.cp1251_length(suffix)
    base = name
    while base and rules.cp1251_length(base) > room:
        base = base[:-1]
    return rules.vk_name(base.rstrip() + suffix)


def plan_variants(
    *,
    desired: list[p.DesiredItem],
    cards: dict[str, CardState],
    properties: dict[str, set[str]],
    card_titles: dict[str, str] | None = None,
    present: set[int] | None = None,
) -> list[p.Operation]:
    """Properties and values to make (before the items), cards to group and ungroup (after them).

    `cards`: card key → what VK holds; `properties`: property title → the value titles known in the community;
    `present`: products whose VK item is in the shop now (None: all); a held item VK lost rejoins its card."""
    titles = card_titles or {}
    needed: dict[str, dict[str, None]] = {}
    members: dict[str, list[int]] = {}
    for item in desired:
        values = item.fields.get("variant_values")
        if not item.card_key or not values:
            continue
        for prop, value in values:
            needed.setdefault(prop, {}).setdefault(value, None)
        if item.visible:
            members.setdefault(item.card_key, []).append(item.product_id)
    ops = []
    for prop, values in needed.items():
        known = properties.get(prop)
        if known is None:
            ops.append(p.Operation(p.ADD_PROPERTY, title=prop))
        ops += [
            p.Operation(p.ADD_PROPERTY_VALUE, property_title=prop, title=v) for v in values if v not in (known or ())
        ]
    for key, wanted in members.items():
        ops += _card_ops(key, tuple(sorted(wanted)), cards.get(key, CardState()), titles.get(key, ""), present)
    for key, state in cards.items():
        if key not in members and state.vk_card_id:
            ops.append(
                p.Operation(p.UNGROUP_CARD, card_key=key, vk_card_id=state.vk_card_id, title=titles.get(key, ""))
            )
    return ops


def _card_ops(key: str, wanted: tuple, state: CardState, title: str, present: set[int] | None) -> list[p.Operation]:
    held = {pid for pid in state.product_ids if present is None or pid in present} if state.vk_card_id else set()
    if held == set(wanted):
        return []
    group = p.Operation(p.GROUP_CARD, card_key=key, product_ids=wanted, title=title)
    if held - set(wanted):  # a modification leaves: VK ungroups a card whole, the rest is grouped again
        ungroup = p.Operation(p.UNGROUP_CARD, card_key=key, vk_card_id=state.vk_card_id, title=title)
        return [ungroup, group] if len(wanted) > 1 else [ungroup]
    if len(wanted) < 2:
        return []
    if held:  # a new modification joins the card
        return [p.Operation(p.GROUP_CARD, card_key=key, product_ids=wanted, title=title, vk_card_id=state.vk_card_id)]
    return [group]


def card_work(ops: list[p.Operation]) -> list[dict]:
    """The cards a plan changes, in words, for its summary (the dry run lists them)."""
    work = []
    for op in ops:
        if op.kind == p.GROUP_CARD:
            action = "добавить модификации в карточку" if op.vk_card_id else "собрать карточку"
        elif op.kind == p.UNGROUP_CARD:
            action = "разобрать карточку"
        else:
            continue
        work.append({"title": op.title or op.card_key, "action": action, "variants": len(op.product_ids)})
    return work[:CARD_WORK_LISTED]
