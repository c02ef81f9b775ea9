"""The generated Evotor catalog looks like a shop: groups with their own goods, sensible units, prices and stock,
pictures showing the product's name — and the same structure per seed as the benchmarks were measured on."""

import hashlib
import io
import json

import pytest
import requests
from PIL import Image

from emulators.evotor import EvotorEmulator
from emulators.evotor.assortment import shelf_named
from emulators.evotor.generator import generate_catalog
from emulators.evotor.images import picture

V2 = {"Accept": "application/vnd.evotor.v2+json", "Authorization": "Bearer tok-1"}
UNITS = {"шт", "кг", "л", "уп"}


@pytest.fixture(scope="module")
def demo_catalog():
    return generate_catalog(seed=1, user_id="01-1", stores=2, groups=12, products=300)


def products_of(catalog):
    return [product for part in catalog for product in part["products"]]


def test_every_group_sells_goods_of_its_own_shelf(demo_catalog):
    for part in demo_catalog:
        groups = {group["id"]: group for group in part["groups"]}
        for product in part["products"]:
            if product["parent_id"] is None:
                continue
            shelf = shelf_named(groups[product["parent_id"]]["name"])
            assert any(product["name"].startswith(f"{goods.name} «") for goods in shelf.goods), (
                product["name"],
                shelf.name,
            )


def within(shelf) -> list:
    """The aisles and sections inside a shelf."""
    return [inner for section in shelf.sections for inner in (section, *within(section))]


def test_groups_nest_department_aisle_section(demo_catalog):
    groups = {group["id"]: group for group in demo_catalog[0]["groups"]}
    for group in groups.values():
        parent = groups.get(group["parent_id"])
        if parent is not None:
            assert shelf_named(group["name"]) in within(shelf_named(parent["name"])), (group["name"], parent["name"])
    assert [group["name"] for group in groups.values() if group["parent_id"] is None][:3] == [
        "Молочные продукты",
        "Бакалея",
        "Напитки",
    ]


def test_units_prices_and_stock_are_a_shops(demo_catalog):
    products = products_of(demo_catalog)
    assert {p["measure_name"] for p in products} <= UNITS
    by_weight = [p for p in products if p["measure_name"] in ("кг", "л")]
    by_piece = [p for p in products if p["measure_name"] in ("шт", "уп")]
    assert by_weight and by_piece
    assert any(p["quantity"] != int(p["quantity"]) for p in by_weight)  # 12,345 кг
    assert all(p["quantity"] == int(p["quantity"]) for p in by_piece)  # pieces are whole
    assert all(0 < p["price"] < 5000 and 0 < p["cost_price"] < p["price"] for p in products)
    assert all(p["price"] == int(p["price"]) or round(p["price"] % 1, 2) == 0.9 for p in products)  # 349, 89.9


def test_a_store_rarely_names_two_products_alike(demo_catalog):
    for part in demo_catalog:
        names = [product["name"] for product in part["products"]]
        assert len(set(names)) >= 0.9 * len(names)


def structure(catalog) -> str:
    rows = []
    for part in catalog:
        rows.append([part["store"]["id"]])
        rows += [[g["id"], g["parent_id"]] for g in part["groups"]]
        rows += [
            [p["id"], p["parent_id"], (p["quantity"] > 0) - (p["quantity"] < 0), p["allow_to_sell"], p["barcodes"]]
            + ["description" in p, p.get("article_number")]
            for p in part["products"]
        ]
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def test_a_seed_keeps_the_structure_the_benchmarks_were_measured_on():
    """Ids, groups, stock signs, sale flags and barcodes of `make bench --quick`'s first merchant, as the generator
    before the shop-like names made them (so benchmark request counts stay comparable)."""
    catalog = generate_catalog(seed=1, user_id="01-000000000000001", stores=2, groups=5, products=500)
    assert structure(catalog) == "c69ca4584ba24de36c7bacde16193d29c34426877b6a4b8a012209846ac91232"


def test_product_pictures_show_the_products_name(evotor_emulator):
    ids = evotor_emulator.add_merchant(stores=1, groups=4, products=30, image_share=1.0)
    product = evotor_emulator.products("tok-1", ids["stores"][0])[0]
    listing = requests.get(
        f"{evotor_emulator.base_url}/stores/{product['store_id']}/products/{product['id']}/images",
        headers=V2,
        timeout=5,
    ).json()["items"][0]
    served = requests.get(listing["url"], timeout=5).content
    extension = listing["meta"]["extension"]
    assert served == picture(listing["id"], extension, caption=product["name"])
    assert served != picture(listing["id"], extension)
    assert listing["meta"]["file_size"] == len(served)
    with Image.open(io.BytesIO(served)) as image:
        assert min(image.size) >= 400


def test_a_product_added_later_is_goods_of_its_group_too():
    emu = EvotorEmulator()
    ids = emu.add_merchant(stores=1, groups=6, products=10)
    store_id = ids["stores"][0]
    product = emu.add_product("tok-1", store_id)
    groups = {group["id"]: group["name"] for group in emu.groups("tok-1", store_id)}
    shelf = shelf_named(groups.get(product["parent_id"], ""))
    assert any(product["name"].startswith(f"{goods.name} «") for goods in shelf.goods)
    assert product["name"] not in {p["name"] for p in emu.products("tok-1", store_id) if p["id"] != product["id"]}
