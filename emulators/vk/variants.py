"""VK's item variants as the emulator runs them: properties and their values, items grouped into one card.

Methods (5.199, parameters checked against the schema before they get here): market.getProperties,
market.addProperty, market.editProperty, market.deleteProperty, market.addPropertyVariant,
market.editPropertyVariant, market.deletePropertyVariant, market.groupItems, market.ungroupItems; and the
variant parameters of market.add / market.edit (`variant_ids`, `is_main_variant`) and market.get
(`need_variants`), by wrapping those handlers. A community with `variants_enabled` off (the switch
`VkEmulator.refuse_variants`) answers as VK does where variants are not on: 1410.

Where VK's documentation is silent the emulator chooses, and says so here: market.get lists every item, each
variant included (with `variants_grouping_id`); `need_variants=1` adds `variants`, the other items of the cards
on the page. Error codes: a value of an unknown variant id 1416, two values of one property on an item 1426,
items of different properties grouped 1412, a value the card already has 1413, properties other than the card's
1414, an item without values 1415, fewer than two items 1425, an unknown card or an item in another card 1411.
"""

from emulators.vk.methods import HANDLERS, community_of, handler, is_admin, live_item
from emulators.vk.schema import VkFault
from emulators.vk.state import Property, item_as_vk

PROPERTY_TITLE_MAX = 60  # VK's limit on a property's name is not in the schema: a guess (error 1421)
MAX_PROPERTIES = 50  # per community (1418); a guess
MAX_VARIANTS = 100  # values per property (1419); a guess


def _shop_with_variants(emu, caller, group_id: int, *, refused_code: int = 1410):
    community = community_of(emu, -group_id, caller, write=True)
    if not community.variants_enabled:
        raise VkFault(refused_code)
    return community.shop


def _property(shop, property_id: int) -> Property:
    found = shop.properties.get(property_id)
    if found is None:
        raise VkFault(1417)
    return found


def _value_owner(shop, variant_id: int) -> Property:
    owner = next((p for p in shop.properties.values() if variant_id in p.variants), None)
    if owner is None:
        raise VkFault(1416)
    return owner


def _values_by_property(shop, variant_ids) -> dict[int, int]:
    """{property id: variant id} of an item's values; two values of one property: 1426."""
    by_property = {}
    for variant_id in variant_ids:
        owner = _value_owner(shop, variant_id)
        if owner.id in by_property:
            raise VkFault(1426)
        by_property[owner.id] = variant_id
    return by_property


@handler("market.getProperties")
def market_get_properties(emu, caller, v):
    shop = _shop_with_variants(emu, caller, v["group_id"])
    items = [
        {
            "id": prop.id,
            "title": prop.title,
            "type": prop.type,
            "variants": [{"id": vid, "title": title} for vid, title in prop.variants.items()],
        }
        for prop in shop.properties.values()
    ]
    return {"count": len(items), "items": items}


@handler("market.addProperty")
def market_add_property(emu, caller, v):
    shop = _shop_with_variants(emu, caller, v["group_id"])
    if len(v["title"]) > PROPERTY_TITLE_MAX:
        raise VkFault(1421)
    if len(shop.properties) >= MAX_PROPERTIES:
        raise VkFault(1418)
    prop = Property(id=shop.next_property_id, title=v["title"])
    shop.next_property_id += 1
    shop.properties[prop.id] = prop
    return {"property_id": prop.id}


@handler("market.editProperty")
def market_edit_property(emu, caller, v):
    shop = _shop_with_variants(emu, caller, v["group_id"], refused_code=1411)
    if v["property_id"] not in shop.properties:
        raise VkFault(1411, "property not found")
    if len(v["title"]) > PROPERTY_TITLE_MAX:
        raise VkFault(1421)
    shop.properties[v["property_id"]].title = v["title"]
    return 1


@handler("market.deleteProperty")
def market_delete_property(emu, caller, v):
    shop = _shop_with_variants(emu, caller, v["group_id"], refused_code=1411)
    prop = _property(shop, v["property_id"])
    if any(set(item.variant_ids) & set(prop.variants) for item in shop.items.values() if not item.removed):
        raise VkFault(1411, "property is used by items")
    del shop.properties[prop.id]
    return 1


@handler("market.addPropertyVariant")
def market_add_property_variant(emu, caller, v):
    shop = _shop_with_variants(emu, caller, v["group_id"], refused_code=1411)
    prop = _property(shop, v["property_id"])
    if len(prop.variants) >= MAX_VARIANTS:
        raise VkFault(1419)
    variant_id = shop.next_variant_id
    shop.next_variant_id += 1
    prop.variants[variant_id] = v["title"]
    return {"variant_id": variant_id}


@handler("market.editPropertyVariant")
def market_edit_property_variant(emu, caller, v):
    shop = _shop_with_variants(emu, caller, v["group_id"], refused_code=1411)
    _value_owner(shop, v["variant_id"]).variants[v["variant_id"]] = v["title"]
    return 1


@handler("market.deletePropertyVariant")
def market_delete_property_variant(emu, caller, v):
    shop = _shop_with_variants(emu, caller, v["group_id"], refused_code=1411)
    owner = _value_owner(shop, v["variant_id"])
    if any(v["variant_id"] in item.variant_ids for item in shop.items.values() if not item.removed):
        raise VkFault(1411, "variant is used by items")
    del owner.variants[v["variant_id"]]
    return 1


def _check_against_card(shop, item, values: dict[int, int]) -> None:
    """An item of a card keeps the card's properties (1412) and a combination no other item has (1413)."""
    others = [shop.items[i] for i in shop.groupings.get(item.grouping_id, []) if i != item.id and i in shop.items]
    for other in others:
        theirs = _values_by_property(shop, other.variant_ids)
        if set(theirs) != set(values):
            raise VkFault(1412)
        if theirs == values:
            raise VkFault(1413)


def _set_main(shop, item) -> None:
    for other_id in shop.groupings.get(item.grouping_id, []):
        if other_id in shop.items:
            shop.items[other_id].is_main_variant = other_id == item.id


_plain_add, _plain_edit, _plain_get = HANDLERS["market.add"], HANDLERS["market.edit"], HANDLERS["market.get"]


@handler("market.add")
def market_add(emu, caller, v):
    community = community_of(emu, v["owner_id"], caller, write=True)
    _values_by_property(community.shop, v.get("variant_ids", []))
    answer = _plain_add(emu, caller, v)
    item = community.shop.items[answer["market_item_id"]]
    item.variant_ids = list(v.get("variant_ids", []))
    item.is_main_variant = bool(v.get("is_main_variant"))
    return answer


@handler("market.edit")
def market_edit(emu, caller, v):
    community = community_of(emu, v["owner_id"], caller, write=True)
    shop = community.shop
    item = live_item(shop, v["item_id"])
    if "variant_ids" in v:
        values = _values_by_property(shop, v["variant_ids"])
        if item.grouping_id is not None:
            _check_against_card(shop, item, values)
    answer = _plain_edit(emu, caller, v)
    if "variant_ids" in v:
        item.variant_ids = list(v["variant_ids"])
    if v.get("is_main_variant") and item.grouping_id is not None:
        _set_main(shop, item)
    elif "is_main_variant" in v:
        item.is_main_variant = bool(v["is_main_variant"])
    return answer


@handler("market.get")
def market_get(emu, caller, v):
    answer = _plain_get(emu, caller, v)
    if not v.get("need_variants"):
        return answer
    community = community_of(emu, v["owner_id"], caller, write=False)
    shop, show_hidden = community.shop, v.get("with_disabled", False) and is_admin(caller, community)
    on_page = {entry["id"] for entry in answer["items"]}
    cards = {entry["variants_grouping_id"] for entry in answer["items"] if "variants_grouping_id" in entry}
    members = [
        shop.items[item_id]
        for card in sorted(cards)
        for item_id in shop.groupings.get(card, [])
        if item_id not in on_page and item_id in shop.items and not shop.items[item_id].removed
        if show_hidden or not shop.items[item_id].hidden
    ]
    extended = v.get("extended", False)
    answer["variants"] = [item_as_vk(item, emu.photos, emu.public_url, extended=extended) for item in members]
    return answer


@handler("market.groupItems")
def market_group_items(emu, caller, v):
    shop = _shop_with_variants(emu, caller, v["group_id"])
    items = [live_item(shop, item_id) for item_id in dict.fromkeys(v["item_ids"])]
    card = v.get("item_group_id")
    members = []
    if card:
        if card not in shop.groupings:
            raise VkFault(1411, "item_group_id not found")
        members = [shop.items[i] for i in shop.groupings[card] if i in shop.items and shop.items[i] not in items]
    if any(item.grouping_id not in (None, card) for item in items):
        raise VkFault(1411, "an item is grouped already")
    if len(items) + len(members) < 2:
        raise VkFault(1425)
    if any(not item.variant_ids for item in items):
        raise VkFault(1415)
    values = [_values_by_property(shop, item.variant_ids) for item in items]
    if any(set(each) != set(values[0]) for each in values):
        raise VkFault(1412)
    if len({tuple(sorted(each.items())) for each in values}) < len(values):
        raise VkFault(1426)
    held = [_values_by_property(shop, member.variant_ids) for member in members]
    if held and set(held[0]) != set(values[0]):
        raise VkFault(1414)
    if any(each in held for each in values):
        raise VkFault(1413)
    if not card:
        card = shop.next_grouping_id
        shop.next_grouping_id += 1
    everyone = members + items
    shop.groupings[card] = [item.id for item in everyone]
    for item in items:
        item.grouping_id = card
    main = next((item for item in everyone if item.is_main_variant), everyone[0])
    _set_main(shop, main)
    return {"item_group_id": card}


@handler("market.ungroupItems")
def market_ungroup_items(emu, caller, v):
    shop = _shop_with_variants(emu, caller, v["group_id"], refused_code=1411)
    members = shop.groupings.pop(v["item_group_id"], None)
    if members is None:
        raise VkFault(1411, "item_group_id not found")
    for item_id in members:
        if item_id in shop.items:
            shop.items[item_id].grouping_id = None
            shop.items[item_id].is_main_variant = False
    return 1
