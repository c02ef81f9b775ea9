"""Goods sold by the кг, л, м: whole units of stock for VK, the price labelled per unit, never available at zero."""

from decimal import Decimal

from catalog.models import Product
from catalog.services import refresh_catalog
from vksync import rules
from vksync.counts import vk_count
from vksync.engine import run_sync
from vksync.models import SyncRun, SyncSettings
from vksync.rules import Rules
from vksync.tests.helpers import SETTINGS_FORM, items_by_sku


def cheese(**overrides) -> dict:
    base = {
        "evotor_id": "p-7",
        "name": "Сыр Российский 50 %",
        "price": Decimal("690.00"),
        "quantity": Decimal("12.750"),
        "allow_to_sell": True,
        "description": "Полутвёрдый сыр",
        "measure_name": "кг",
        "parent_evotor_id": "g-1",
    }
    return base | overrides


def test_stock_of_weight_goods_is_sent_in_whole_units_rounded_down():
    fields = rules.item_fields(cheese(), Rules(send_stock=True))
    assert fields["stock_amount"] == 12  # 12.75 кг: twelve whole kilos to sell, not thirteen
    assert rules.item_fields(cheese(quantity=Decimal("1.000")), Rules(send_stock=True))["stock_amount"] == 1


def test_stock_stays_within_what_vk_accepts_and_is_never_minus_one():
    assert rules.whole_units(Decimal("2500000.5")) == rules.VK_STOCK_MAX == 999999
    assert rules.whole_units(Decimal("-3.5")) == 0  # −1 would mean «unlimited» to VK
    assert rules.whole_units(None) == 0


def test_less_than_one_unit_left_is_never_shown_as_available():
    fields = rules.item_fields(cheese(quantity=Decimal("0.400")), Rules(send_stock=True))
    assert fields["deleted"] == 1 and fields["stock_amount"] == 0
    assert rules.unavailable_reason(cheese(quantity=Decimal("0.999")), Rules()) == rules.NO_STOCK
    assert rules.unavailable_reason(cheese(quantity=Decimal("1")), Rules()) is None


def test_a_merchant_who_shows_items_without_stock_still_gets_whole_units():
    fields = rules.item_fields(cheese(quantity=Decimal("0.400")), Rules(send_stock=True, unavailable_if_no_stock=False))
    assert fields["deleted"] == 0 and fields["stock_amount"] == 0  # VK itself shows «нет в наличии» at 0


def test_price_is_labelled_per_unit_in_the_title_by_default():
    assert rules.item_fields(cheese(), Rules())["name"] == "Сыр Российский 50 %, за 1 кг"
    assert rules.item_fields(cheese(measure_name="л", name="Молоко разливное"), Rules())["name"] == (
        "Молоко разливное, за 1 л"
    )
    assert rules.item_fields(cheese(measure_name="м2", name="Плитка керамическая"), Rules())["name"].endswith("за 1 м²")


def test_piece_goods_keep_their_name():
    assert rules.item_fields(cheese(measure_name="шт"), Rules())["name"] == "Сыр Российский 50 %"
    assert rules.item_fields(cheese(measure_name=""), Rules())["name"] == "Сыр Российский 50 %"


def test_a_long_name_is_cut_before_the_unit_label_which_stays_whole():
    name = rules.item_fields(cheese(name="Сыр " + "очень " * 30), Rules())["name"]
    assert rules.cp1251_length(name) <= rules.VK_NAME_MAX
    assert name.endswith("…, за 1 кг")


def test_price_label_in_the_description_or_not_at_all():
    fields = rules.item_fields(cheese(), Rules(unit_label=rules.UNIT_LABEL_DESCRIPTION))
    assert fields["name"] == "Сыр Российский 50 %"
    assert fields["description"] == "Цена за 1 кг.\nПолутвёрдый сыр"
    fields = rules.item_fields(cheese(), Rules(unit_label=rules.UNIT_LABEL_NONE))
    assert fields["name"] == "Сыр Российский 50 %" and "за 1 кг" not in fields["description"]


def test_the_description_template_can_place_the_unit_itself():
    template = "{description}. {price} ₽ {per_unit}"
    fields = rules.item_fields(cheese(), Rules(unit_label=rules.UNIT_LABEL_NONE, description_template=template))
    assert fields["description"] == "Полутвёрдый сыр. 690.00 ₽ за 1 кг"
    piece = rules.item_fields(cheese(measure_name="шт"), Rules(description_template=template))
    assert piece["description"] == "Полутвёрдый сыр. 690.00 ₽"


def test_weight_goods_reach_vk_labelled_with_whole_stock_and_a_remnant_hidden(shop):
    SyncSettings.objects.filter(merchant=shop.merchant).update(send_stock=True)
    sold = Product.objects.filter(merchant=shop.merchant, quantity__gt=2, allow_to_sell=True)
    whole, remnant = sold[0], sold[1]
    before = vk_count(merchant=shop.merchant)
    shop.evotor.update_product(shop.token, whole.evotor_id, measure_name="кг", quantity=2.75, name="Сыр Гауда 45 %")
    shop.evotor.update_product(shop.token, remnant.evotor_id, measure_name="кг", quantity=0.3, name="Брынза")
    refresh_catalog(merchant=shop.merchant)
    run = run_sync(merchant=shop.merchant, trigger=SyncRun.Trigger.COMMAND)
    assert run.status == SyncRun.Status.DONE, run.error
    in_vk = items_by_sku(shop)
    assert (in_vk[whole.evotor_id].title, in_vk[whole.evotor_id].stock_amount) == ("Сыр Гауда 45 %, за 1 кг", 2)
    assert in_vk[whole.evotor_id].availability == 0
    assert remnant.evotor_id not in in_vk  # 0.3 кг: no kilo to sell, so not made in VK at all
    after = vk_count(merchant=shop.merchant)  # the pages' count says why, as the plan decided
    assert (after.out_of_stock, after.to_vk) == (before.out_of_stock + 1, before.to_vk - 1)


def test_the_settings_page_saves_where_the_unit_is_shown(shop, client):
    client.force_login(shop.merchant)
    response = client.post("/sync/settings", {**SETTINGS_FORM, "unit_label": "description"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SyncSettings.objects.get(merchant=shop.merchant).unit_label == SyncSettings.UnitLabel.DESCRIPTION
    page = client.get("/sync/settings").content.decode()
    assert "В начале описания: «Цена за 1 кг.»" in page
