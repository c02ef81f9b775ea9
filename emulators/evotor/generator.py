"""Seeded Evotor catalogs: stores, nested product groups and products shaped like API v2 objects."""

import itertools
import random
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache

from emulators.evotor.assortment import (
    EVERYTHING,
    PRICED_BY_SIZE,
    SHELVES,
    VARIANT_GOODS,
    Goods,
    Shelf,
    brand_line,
    brands_of,
    shelf_named,
)

# A seed's catalog comes from one stream of random draws. Its structure (ids, dates, groups and their nesting,
# which group a product is in, stock zero or negative or positive, barcodes, for sale or not) is what tests and
# the benchmarks count on, so every draw keeps its place and width from the first version of this generator:
# the words of a name were four picks from lists of these lengths, then one of 9 units and one of TAXES.
NAME_DRAWS = (40, 14, 8, 10)  # now: the product's brand and pack (goods_for)
NOTE_DRAW = 9  # now: the note in its description
STORE_NAMES = ["Берёзка", "Ромашка", "У дома", "Лакомка", "Семейный", "Каравай", "Продукты 24", "Радуга"]
NOTES = [
    "Хит продаж.", "Новинка.", "Сделано в России.", "Выгодная цена.", "Товар недели.",
    "Рекомендуем попробовать.", "Срок годности указан на упаковке.", "Хранить в сухом месте.", "Сезонный товар.",
]  # fmt: skip
TAXES = ["NO_VAT", "VAT_0", "VAT_10", "VAT_20", "VAT_20", "VAT_20"]
STREETS = ["Ленина", "Мира", "Гагарина", "Советская", "Садовая", "Лесная", "Школьная"]
CITIES = ["Москва", "Казань", "Тверь", "Самара", "Пермь", "Омск"]
EPOCH = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)


def evotor_time(moment: datetime) -> str:
    """Evotor's timestamp format: `2018-07-09T11:46:52.024+0000`."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def now_evotor_time() -> str:
    return evotor_time(datetime.now(UTC))


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _store_id(rng: random.Random, created: datetime) -> str:
    return created.strftime("%Y%m%d") + _uuid(rng)[8:].upper()


def _ean13(rng: random.Random) -> str:
    digits = [4, 6, 0] + [rng.randrange(10) for _ in range(9)]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return "".join(map(str, digits)) + str(check)


def _stamp(rng: random.Random) -> tuple[str, str]:
    created = EPOCH + timedelta(minutes=rng.randrange(60 * 24 * 300), milliseconds=rng.randrange(1000))
    updated = created + timedelta(minutes=rng.randrange(60 * 24 * 30), milliseconds=rng.randrange(1000))
    return evotor_time(created), evotor_time(updated)


def make_store(rng: random.Random, user_id: str, number: int) -> dict:
    created, updated = _stamp(rng)
    return {
        "id": _store_id(rng, EPOCH + timedelta(days=number)),
        "name": f"Магазин №{number} «{rng.choice(STORE_NAMES)}»",
        "address": f"г. {rng.choice(CITIES)}, ул. {rng.choice(STREETS)}, д. {rng.randrange(1, 120)}",
        "user_id": user_id,
        "created_at": created,
        "updated_at": updated,
    }


def make_groups(rng: random.Random, store_id: str, user_id: str, count: int) -> list[dict]:
    """`count` groups; about a third at the top, the rest nested under an earlier one (up to 3 deep).

    Top groups are departments, a group under a department one of its sections, a group under a section one
    brand's line of it (`assortment`)."""
    groups, depth, shelves = [], {}, {}
    for index in range(count):
        parent = None
        if index >= max(1, count // 3):
            candidates = [g["id"] for g in groups if depth[g["id"]] < 3]
            parent = rng.choice(candidates) if candidates else None
        created, updated = _stamp(rng)
        group_id = _uuid(rng)
        shelves[group_id] = _next_shelf(shelves.get(parent), [shelves[g["id"]] for g in groups])
        group = {
            "id": group_id,
            "parent_id": parent,
            "name": shelves[group_id].name,
            "barcodes": [],
            "attributes": [],
            "store_id": store_id,
            "user_id": user_id,
            "created_at": created,
            "updated_at": updated,
        }
        depth[group_id] = 1 if parent is None else depth[parent] + 1
        groups.append(group)
    return groups


def _next_shelf(parent: Shelf | None, taken: list[Shelf]) -> Shelf:
    """The first shelf not taken yet in this store: a department at the top; under a shelf one of its aisles or
    sections, else one brand's line of it; when all are taken, the first again with a number («Бакалея 2»)."""
    if parent is None:
        choices = list(SHELVES)
    else:
        choices = [*parent.sections, *(section for aisle in parent.sections for section in aisle.sections)]
        choices += [brand_line(parent, brand) for brand in brands_of(parent)] if not parent.sections else []
        choices = choices or [parent]
    names = {shelf.name for shelf in taken}
    for shelf in choices:
        if shelf.name not in names:
            return shelf
    number = 2
    while f"{choices[0].name} {number}" in names:
        number += 1
    return Shelf(f"{choices[0].name} {number}", choices[0].goods, choices[0].sections)


def make_product(
    rng: random.Random, store_id: str, user_id: str, groups: list[dict], number: int, taken: set[str] | None = None
) -> dict:
    """A product of one of `groups` (or of none), goods of that group's shelf; its name is not in `taken`
    while the shelf has a name left (the name is added to it)."""
    created, updated = _stamp(rng)
    price_share = rng.random()
    roll = rng.random()  # stock: 10 % none, 5 % below zero, the rest some
    stock_share = rng.random() if roll >= 0.1 else 0.0
    kind = rng.random()  # which goods of the shelf
    product_id = _uuid(rng)
    group = rng.choice(groups) if groups and rng.random() < 0.85 else None
    look = _draw(rng, NAME_DRAWS)
    barcodes = [_ean13(rng)] if rng.random() < 0.9 else []
    cost_share = rng.uniform(0.5, 0.8)
    note = NOTES[_draw(rng, (NOTE_DRAW,)) % len(NOTES)]
    shelf = shelf_named(group["name"]) if group else EVERYTHING
    goods, pack, name = goods_for(shelf, kind, look, taken if taken is not None else set())
    price = shop_price(goods, pack, price_share)
    product = {
        "id": product_id,
        "parent_id": group["id"] if group else None,
        "type": "NORMAL",
        "name": name,
        "code": str(number),
        "barcodes": barcodes,
        "price": price,
        "cost_price": round(price * cost_share, 2),
        "quantity": stock(goods, roll, stock_share),
        "measure_name": goods.measure,
        "tax": rng.choice(TAXES),
        "allow_to_sell": rng.random() >= 0.05,
        "store_id": store_id,
        "user_id": user_id,
        "created_at": created,
        "updated_at": updated,
        # Fields EvoSync does not know: the client must tolerate them.
        "is_excisable": False,
        "is_age_limited": False,
    }
    if rng.random() < 0.5:
        product["description"] = f"{name}. {note}"
    if rng.random() < 0.3:
        product["article_number"] = f"АРТ-{rng.randrange(10000, 99999)}"
    if kind >= 0.95:
        rng.random()  # the first generator drew an alcohol strength here; kept for the stream (see NAME_DRAWS)
    return product


def _draw(rng: random.Random, widths: tuple[int, ...]) -> int:
    """One number from draws of the given widths, in order (a number below their product)."""
    value = 0
    for width in widths:
        value = value * width + rng.randrange(width)
    return value


@cache
def _choices(shelf: Shelf) -> tuple[tuple[Goods, str, str], ...]:
    """Every (goods, brand, pack) the shelf can offer, goods by goods."""
    return tuple(
        (goods, brand, pack) for goods in shelf.goods for brand in goods.brands for pack in goods.packs or ("",)
    )


def goods_for(shelf: Shelf, kind: float, look: int, taken: set[str]) -> tuple[Goods, str, str]:
    """The goods `kind` picks on the shelf, in the brand and pack `look` picks; the next offer whose name is
    free when that one is taken (all taken: that one again). Returns the goods, the pack and the name."""
    goods = shelf.goods[int(kind * len(shelf.goods))]
    choices = _choices(shelf)
    start = next(i for i, choice in enumerate(choices) if choice[0] == goods)
    start += look % (len(goods.brands) * max(1, len(goods.packs)))
    for step in range(len(choices)):
        goods, brand, pack = choices[(start + step) % len(choices)]
        name = f"{goods.name} «{brand}»" + (f", {pack}" if pack else "")
        if name not in taken:
            break
    else:
        goods, brand, pack = choices[start % len(choices)]
        name = f"{goods.name} «{brand}»" + (f", {pack}" if pack else "")
    taken.add(name)
    return goods, pack, name


def shop_price(goods: Goods, pack: str, share: float) -> float:
    """A price in the goods' range, dearer for a bigger pack, ending as shop prices do: 89.9, 349."""
    factor = 1 + 0.7 * (goods.packs.index(pack) if pack else 0)
    value = (goods.low + share * (goods.high - goods.low)) * factor
    return float(int(value) // 10 * 10 + 9) if value >= 100 else int(value) + 0.9


def stock(goods: Goods, roll: float, share: float) -> float:
    """None, a shortage (sold before it was received) or some; pieces and packs whole, kg and l to the gram."""
    if roll < 0.1:
        return 0.0
    by_weight = goods.measure in ("кг", "л")
    if roll < 0.15:
        return -round(1 + share * 4, 3) if by_weight else -float(1 + int(share * 4))
    return round(1 + share * 49, 3) if by_weight else float(1 + int(share * 99))


def make_variant_card(rng: random.Random, store_id: str, user_id: str, parent: dict | None, number: int) -> tuple:
    """One product with modifications, as Evotor keeps it: a group declaring attributes (the card) and a product
    per combination of choices (a modification), each with its price, stock, code and barcode.

    Returns (the group, its products)."""
    name, low, high, attributes = VARIANT_GOODS[number % len(VARIANT_GOODS)]
    created, updated = _stamp(rng)
    declared = [
        {"id": _uuid(rng), "name": title, "choices": [{"id": _uuid(rng), "name": choice} for choice in choices]}
        for title, choices in attributes
    ]
    group = {
        "id": _uuid(rng),
        "parent_id": parent["id"] if parent else None,
        "name": name if number < len(VARIANT_GOODS) else f"{name} {number // len(VARIANT_GOODS) + 1}",
        "barcodes": [],
        "attributes": declared,
        "store_id": store_id,
        "user_id": user_id,
        "created_at": created,
        "updated_at": updated,
    }
    base = low + rng.random() * (high - low)
    products = []
    for index, combination in enumerate(itertools.product(*(a["choices"] for a in declared))):
        step = sum(
            a["choices"].index(c) for a, c in zip(declared, combination, strict=True) if a["name"] in PRICED_BY_SIZE
        )
        price = float(int(base * (1 + 0.3 * step)) // 10 * 10 + 9)
        products.append(
            {
                "id": _uuid(rng),
                "parent_id": group["id"],
                "type": "NORMAL",
                "name": f"{group['name']}, " + ", ".join(c["name"] for c in combination),
                "code": f"{number * 100 + index}",
                "barcodes": [_ean13(rng)],
                "price": price,
                "cost_price": round(price * 0.6, 2),
                "quantity": float(rng.randrange(0, 30)),
                "measure_name": "шт",
                "tax": "VAT_20",
                "allow_to_sell": True,
                "attributes_choices": {a["id"]: c["id"] for a, c in zip(declared, combination, strict=True)},
                "store_id": store_id,
                "user_id": user_id,
                "created_at": created,
                "updated_at": updated,
            }
        )
    return group, products


def generate_catalog(
    *, seed: int, user_id: str, stores: int, groups: int, products: int, variant_cards: int = 0
) -> list[dict]:
    """Stores, each with `groups` groups and `products` products, the same for the same seed; and
    `variant_cards` products with modifications per store (drawn apart, so the rest stays the same)."""
    rng = random.Random(seed)
    catalog = []
    for number in range(1, stores + 1):
        store = make_store(rng, user_id, number)
        store_groups = make_groups(rng, store["id"], user_id, groups)
        names: set[str] = set()
        store_products = [
            make_product(rng, store["id"], user_id, store_groups, number * 100000 + i, names)
            for i in range(1, products + 1)
        ]
        cards_rng = random.Random(f"variants-{seed}-{number}")
        for card in range(variant_cards):
            parent = cards_rng.choice(store_groups) if store_groups else None
            group, modifications = make_variant_card(cards_rng, store["id"], user_id, parent, card)
            store_groups.append(group)
            store_products.extend(modifications)
        catalog.append({"store": store, "groups": store_groups, "products": store_products})
    return catalog
