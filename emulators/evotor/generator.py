"""Seeded Evotor catalogs: stores, nested product groups and products shaped like API v2 objects."""

import random
import uuid
from datetime import UTC, datetime, timedelta

NOUNS = [
    "Молоко", "Кефир", "Сыр", "Хлеб", "Батон", "Чай", "Кофе", "Сок", "Вода", "Печенье",
    "Шоколад", "Конфеты", "Масло", "Йогурт", "Творог", "Колбаса", "Сосиски", "Пельмени",
    "Макароны", "Рис", "Гречка", "Сахар", "Соль", "Мука", "Яблоки", "Бананы", "Апельсины",
    "Футболка", "Кружка", "Тетрадь", "Ручка", "Батарейки", "Мыло", "Шампунь", "Зубная паста",
    "Салфетки", "Пакет", "Зажигалка", "Игрушка", "Носки",
]  # fmt: skip
ADJECTIVES = [
    "домашний", "классический", "отборный", "фермерский", "детский", "свежий", "лёгкий",
    "премиум", "натуральный", "праздничный", "северный", "сибирский", "летний", "ароматный",
]  # fmt: skip
BRANDS = ["Простоквашино", "Весёлый молочник", "Агуша", "Домик в деревне", "Ромашка", "Берёзка", "Лакомка", "Вкусно"]
SIZES = ["0,5 л", "1 л", "1,5 л", "200 г", "400 г", "1 кг", "250 мл", "10 шт", "XL", "M"]
GROUP_NAMES = [
    "Молочные продукты", "Бакалея", "Напитки", "Кондитерские изделия", "Хлеб и выпечка",
    "Мясо и колбасы", "Овощи и фрукты", "Бытовая химия", "Канцтовары", "Одежда", "Игрушки",
    "Заморозка", "Сладости", "Чай и кофе", "Соки", "Детское питание", "Гигиена", "Разное",
]  # fmt: skip
MEASURES = ["шт", "шт", "шт", "шт", "кг", "л", "упак", "компл", "м"]
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
        "name": f"Магазин №{number} «{rng.choice(BRANDS)}»",
        "address": f"г. {rng.choice(CITIES)}, ул. {rng.choice(STREETS)}, д. {rng.randrange(1, 120)}",
        "user_id": user_id,
        "created_at": created,
        "updated_at": updated,
    }


def make_groups(rng: random.Random, store_id: str, user_id: str, count: int) -> list[dict]:
    """`count` groups; about a third at the top, the rest nested under an earlier one (up to 3 deep)."""
    groups, depth = [], {}
    for index in range(count):
        parent = None
        if index >= max(1, count // 3):
            candidates = [g["id"] for g in groups if depth[g["id"]] < 3]
            parent = rng.choice(candidates) if candidates else None
        created, updated = _stamp(rng)
        group = {
            "id": _uuid(rng),
            "parent_id": parent,
            "name": GROUP_NAMES[index % len(GROUP_NAMES)] + ("" if index < len(GROUP_NAMES) else f" {index}"),
            "barcodes": [],
            "attributes": [],
            "store_id": store_id,
            "user_id": user_id,
            "created_at": created,
            "updated_at": updated,
        }
        depth[group["id"]] = 1 if parent is None else depth[parent] + 1
        groups.append(group)
    return groups


def make_product(rng: random.Random, store_id: str, user_id: str, group_ids: list[str], number: int) -> dict:
    created, updated = _stamp(rng)
    price = round(rng.uniform(19, 4999), 2)
    roll = rng.random()
    quantity = 0.0 if roll < 0.1 else (-round(rng.uniform(1, 5), 3) if roll < 0.15 else round(rng.uniform(1, 300), 3))
    kind = rng.random()
    product = {
        "id": _uuid(rng),
        "parent_id": rng.choice(group_ids) if group_ids and rng.random() < 0.85 else None,
        "type": "NORMAL" if kind < 0.9 else ("SERVICE" if kind < 0.95 else "ALCOHOL_NOT_MARKED"),
        "name": f"{rng.choice(NOUNS)} {rng.choice(ADJECTIVES)} «{rng.choice(BRANDS)}» {rng.choice(SIZES)}",
        "code": str(number),
        "barcodes": [_ean13(rng)] if rng.random() < 0.9 else [],
        "price": price,
        "cost_price": round(price * rng.uniform(0.5, 0.8), 2),
        "quantity": quantity,
        "measure_name": rng.choice(MEASURES),
        "tax": rng.choice(TAXES),
        "allow_to_sell": rng.random() >= 0.05,
        "store_id": store_id,
        "user_id": user_id,
        "created_at": created,
        "updated_at": updated,
        # Fields EvoSync does not know: the client must tolerate them.
        "is_excisable": False,
        "is_age_limited": kind >= 0.95,
    }
    if rng.random() < 0.5:
        product["description"] = f"{product['name']}. Хранить в сухом месте."
    if rng.random() < 0.3:
        product["article_number"] = f"АРТ-{rng.randrange(10000, 99999)}"
    if product["type"].startswith("ALCOHOL"):
        product.update(alcohol_by_volume=round(rng.uniform(4, 40), 1), alcohol_product_kind_code=200, tare_volume=0.5)
    return product


def generate_catalog(*, seed: int, user_id: str, stores: int, groups: int, products: int) -> list[dict]:
    """Stores, each with `groups` groups and `products` products, the same for the same seed."""
    rng = random.Random(seed)
    catalog = []
    for number in range(1, stores + 1):
        store = make_store(rng, user_id, number)
        store_groups = make_groups(rng, store["id"], user_id, groups)
        group_ids = [g["id"] for g in store_groups]
        store_products = [
            make_product(rng, store["id"], user_id, group_ids, number * 100000 + i) for i in range(1, products + 1)
        ]
        catalog.append({"store": store, "groups": store_groups, "products": store_products})
    return catalog
