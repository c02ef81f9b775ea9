"""Variants in VK: properties and values made once per community (before the items), items grouped into cards
(after them), and the fallback when VK refuses.

Properties: what the community already has is read first (market.getProperties, only when something is
missing) and reused by title; the rest is made (market.addProperty, then market.addPropertyVariant), every id
remembered (VkProperty, VkPropertyValue). Cards: market.ungroupItems, then market.groupItems (`item_group_id`
when items join a card VK holds); what VK holds is remembered (VariantCard).

When VK says the community cannot have variants (1409, 1410), that is remembered per connection
(CommunityVariants) and this run's items go as separate items with their values in the name
(`separate_params`); when VK refuses one card (1411–1426), that card goes separate from the next run on, which
is asked for at once (`Counts.cards_separated`). Either way the run goes on: never a failed run.
"""

from django.db import transaction
from django.utils import timezone

from connections.vk.client import VkCall
from connections.vk.errors import reason_in_words
from vksync import planning as p
from vksync import rules, variants
from vksync.applying.context import Context
from vksync.applying.sender import chunks, send
from vksync.models import CommunityVariants, ProductLink, VariantCard, VkProperty, VkPropertyValue

COMMUNITY_REFUSES = {1409, 1410}  # extended market / variants not enabled in the community
CARD_REFUSED = {1411, 1412, 1413, 1414, 1415, 1416, 1417, 1425, 1426}
STALE_VALUES = {1416, 1417}  # on an item: a value or property VK does not know (any more)
PROPERTY_KINDS = (p.ADD_PROPERTY, p.ADD_PROPERTY_VALUE)
CARD_KINDS = (p.UNGROUP_CARD, p.GROUP_CARD)


def apply_properties(ctx: Context, ops: list[p.Operation]) -> None:
    """Make the properties and values the plan's items need (reusing what the community has); learn every id."""
    ctx.refused_variants = _refused_before(ctx)
    _learn_known(ctx)
    if not ops or ctx.refused_variants:
        return
    [listed] = send(ctx, [VkCall("market.getProperties", {"group_id": ctx.group_id})])
    if not listed.ok:
        return _refuse(ctx, listed.error) if listed.error.code in COMMUNITY_REFUSES else None
    _adopt(ctx, listed.response.get("items", []) if isinstance(listed.response, dict) else [])
    titles = list(dict.fromkeys(op.title for op in ops if op.kind == p.ADD_PROPERTY))
    for batch in chunks([title for title in titles if title not in ctx.property_ids]):
        calls = [VkCall("market.addProperty", {"group_id": ctx.group_id, "title": title}) for title in batch]
        for title, result in zip(batch, send(ctx, calls), strict=True):
            if result.ok:
                _remember_property(ctx, title, int(result.response["property_id"]))
            elif result.error.code in COMMUNITY_REFUSES:
                return _refuse(ctx, result.error)
            else:
                ctx.value_errors.update({pair: result.error for pair in _values_of(ops, title)})
    values = list(dict.fromkeys((op.property_title, op.title) for op in ops if op.kind == p.ADD_PROPERTY_VALUE))
    missing = [pair for pair in values if pair not in ctx.variant_ids and pair[0] in ctx.property_ids]
    for batch in chunks(missing):
        calls = [_value_call(ctx, prop, value) for prop, value in batch]
        for pair, result in zip(batch, send(ctx, calls), strict=True):
            if result.ok:
                _remember_value(ctx, pair, int(result.response["variant_id"]))
            else:
                ctx.value_errors[pair] = result.error
    ctx.tick("variants", len(ops))
    return None


def item_params(ctx: Context, op: p.Operation, params: dict) -> dict:
    """An item's market.add/edit parameters with its card's values as VK's `variant_ids` — or, when the community
    refused variants, as a separate item with its values in the name. A value VK has no id for: sent alone."""
    values = params.pop("variant_values", None)
    if values is None:
        return params
    if ctx.refused_variants:
        return separate_params(params, values)
    ids = [ctx.variant_ids.get((prop, value)) for prop, value in values]
    if None in ids:  # VK refused a value this card needs: the card goes separate from the next run on
        params.pop("is_main_variant", None)
        ctx.unfinished.add(op.product_id)  # its hash stays open: the next run sends it again
        refused = next((ctx.value_errors[tuple(v)] for v in values if tuple(v) in ctx.value_errors), None)
        if refused is not None and op.card_key:
            _card_refused(ctx, op, refused)
        return params
    return params | {"variant_ids": ids}


def separate_params(params: dict, values) -> dict:
    alone = {key: value for key, value in params.items() if key not in variants.VARIANT_KEYS}
    return alone | {"name": variants.name_with_values(params["name"], values)}


def pushed_hash(ctx: Context, op: p.Operation, pushed: str) -> str:
    """The hash a link records for an item write: what VK holds after it (see `item_params`)."""
    if not pushed or not (op.fields or {}).get("variant_values"):
        return pushed
    if op.product_id in ctx.unfinished:
        return ""
    if ctx.refused_variants:
        return rules.pushed_hash(variants.separate_fields(op.fields), op.photo_sha)
    return pushed


def note_item_error(ctx: Context, error) -> None:
    """VK no longer knows a property or value EvoSync remembered (deleted by hand in VK): forget the community's,
    so the next run reads them again from VK and makes what is missing."""
    if error.code in STALE_VALUES and ctx.property_ids:
        VkProperty.objects.filter(merchant=ctx.merchant, group_id=ctx.group_id).delete()
        ctx.property_ids = {}


def apply_cards(ctx: Context, ops: list[p.Operation]) -> None:
    """Ungroup, then group, the cards the plan changes; remember what VK holds."""
    if ctx.refused_variants or not ops:
        return
    ungroups = [op for op in ops if op.kind == p.UNGROUP_CARD]
    for batch in chunks(ungroups):
        calls = [
            VkCall("market.ungroupItems", {"group_id": ctx.group_id, "item_group_id": op.vk_card_id}) for op in batch
        ]
        for op, result in zip(batch, send(ctx, calls), strict=True):
            if result.ok or result.error.code == 1411:  # 1411: VK holds no such card any more (ungrouped by hand)
                _remember_card(ctx, op, vk_card_id=None, product_ids=[])
            elif result.error.code in COMMUNITY_REFUSES:
                return _refuse(ctx, result.error, later=True)
    groups = [op for op in ops if op.kind == p.GROUP_CARD]
    item_ids = _item_ids(ctx, [pid for op in groups for pid in op.product_ids])
    ready = [(op, [item_ids[pid] for pid in op.product_ids if pid in item_ids]) for op in groups]
    ready = [(op, ids) for op, ids in ready if len(ids) > 1]
    for batch in chunks(ready):
        calls = [_group_call(ctx, op, ids) for op, ids in batch]
        for (op, _ids), result in zip(batch, send(ctx, calls), strict=True):
            grouped = [pid for pid in op.product_ids if pid in item_ids]
            if result.ok:
                _remember_card(ctx, op, vk_card_id=int(result.response["item_group_id"]), product_ids=grouped)
                ctx.counts.cards += 1
            elif result.error.code in COMMUNITY_REFUSES:
                return _refuse(ctx, result.error, later=True)
            elif result.error.code in CARD_REFUSED:
                _card_refused(ctx, op, result.error)
    ctx.tick("variants", len(ops))
    return None


def _value_call(ctx: Context, prop: str, value: str) -> VkCall:
    params = {"group_id": ctx.group_id, "property_id": ctx.property_ids[prop], "title": value}
    return VkCall("market.addPropertyVariant", params)


def _values_of(ops: list[p.Operation], prop: str) -> list[tuple[str, str]]:
    return [
        (op.property_title, op.title) for op in ops if op.kind == p.ADD_PROPERTY_VALUE and op.property_title == prop
    ]


def _group_call(ctx: Context, op: p.Operation, ids: list[int]) -> VkCall:
    params = {"group_id": ctx.group_id, "item_ids": ids}
    if op.vk_card_id:
        params["item_group_id"] = op.vk_card_id
    return VkCall("market.groupItems", params)


def _item_ids(ctx: Context, product_ids: list[int]) -> dict[int, int]:
    """VK item ids of the products, as the mapping holds them now (items made in this run included)."""
    links = ProductLink.objects.filter(merchant=ctx.merchant, group_id=ctx.group_id, product_id__in=product_ids)
    return dict(links.filter(state="active", vk_item_id__isnull=False).values_list("product_id", "vk_item_id"))


def _refused_before(ctx: Context) -> bool:
    return CommunityVariants.objects.filter(merchant=ctx.merchant, group_id=ctx.group_id, refused=True).exists()


def _refuse(ctx: Context, error, *, later: bool = False) -> None:
    """The community cannot have variants: remembered for the connection; this run's items go separate (or, when
    the items went already, the next run sends them so)."""
    ctx.refused_variants = True
    CommunityVariants.objects.update_or_create(
        merchant=ctx.merchant,
        group_id=ctx.group_id,
        defaults={
            "refused": True,
            "refused_code": error.code,
            "reason": reason_in_words(error),
            "refused_at": timezone.now(),
        },
    )
    if later:
        ctx.counts.cards_separated += 1


def _card_refused(ctx: Context, op: p.Operation, error) -> None:
    """VK would not make this card: it goes as separate items from the next run on (asked for at once)."""
    if op.card_key in ctx.separated_cards:
        return
    ctx.separated_cards.add(op.card_key)
    VariantCard.objects.update_or_create(
        merchant=ctx.merchant,
        group_id=ctx.group_id,
        card_key=op.card_key,
        defaults={"separate": True, "reason": reason_in_words(error)},
    )
    ctx.counts.cards_separated += 1


def _remember_card(ctx: Context, op: p.Operation, *, vk_card_id: int | None, product_ids: list[int]) -> None:
    VariantCard.objects.update_or_create(
        merchant=ctx.merchant,
        group_id=ctx.group_id,
        card_key=op.card_key,
        defaults={"title": op.title, "vk_card_id": vk_card_id, "product_ids": product_ids},
    )


def _learn_known(ctx: Context) -> None:
    ctx.property_ids = dict(
        VkProperty.objects.filter(merchant=ctx.merchant, group_id=ctx.group_id).values_list("title", "vk_property_id")
    )
    values = VkPropertyValue.objects.filter(property__merchant=ctx.merchant, property__group_id=ctx.group_id)
    ctx.variant_ids = {
        (prop, value): vk_id for prop, value, vk_id in values.values_list("property__title", "title", "vk_variant_id")
    }


def _adopt(ctx: Context, listed: list) -> None:
    """Properties and values the community has already (made by hand, or by a run whose answer was lost)."""
    with transaction.atomic():
        for prop in listed:
            title = str(prop.get("title", ""))
            if title and title not in ctx.property_ids:
                _remember_property(ctx, title, int(prop["id"]))
            for value in prop.get("variants", []):
                pair = (title, str(value.get("title", "")))
                if ctx.property_ids.get(title) == int(prop["id"]) and pair not in ctx.variant_ids:
                    _remember_value(ctx, pair, int(value["id"]))


def _remember_property(ctx: Context, title: str, vk_id: int) -> None:
    VkProperty.objects.update_or_create(
        merchant=ctx.merchant, group_id=ctx.group_id, title=title, defaults={"vk_property_id": vk_id}
    )
    ctx.property_ids[title] = vk_id


def _remember_value(ctx: Context, pair: tuple[str, str], vk_id: int) -> None:
    prop = VkProperty.objects.get(merchant=ctx.merchant, group_id=ctx.group_id, title=pair[0])
    VkPropertyValue.objects.update_or_create(property=prop, title=pair[1], defaults={"vk_variant_id": vk_id})
    ctx.variant_ids[pair] = vk_id
