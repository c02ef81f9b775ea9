from decimal import Decimal

from vksync import rules
from vksync.rules import Rules, album_of, other_album_key


def product(**overrides):
    base = {
        "evotor_id": "p-1",
        "name": "Чай чёрный",
        "price": Decimal("100.00"),
        "quantity": Decimal("5"),
        "allow_to_sell": True,
        "description": "Крупнолистовой чай",
        "article_number": "A-1",
        "barcodes": ["4600000000001"],
        "measure_name": "шт",
        "parent_evotor_id": "g-1",
    }
    return base | overrides


def test_markup_and_each_rounding():
    assert rules.vk_price(Decimal("100"), markup_percent=Decimal("12.5"), rounding="none") == Decimal("112.50")
    assert rules.vk_price(Decimal("100.4"), markup_percent=Decimal("0"), rounding="1") == Decimal("100.00")
    assert rules.vk_price(Decimal("104.99"), markup_percent=Decimal("0"), rounding="10") == Decimal("100.00")
    assert rules.vk_price(Decimal("105"), markup_percent=Decimal("0"), rounding="10") == Decimal("110.00")
    assert rules.vk_price(Decimal("123.40"), markup_percent=Decimal("0"), rounding="99") == Decimal("123.99")
    assert rules.vk_price(Decimal("124"), markup_percent=Decimal("0"), rounding="99") == Decimal("123.99")


def test_price_is_never_below_zero():
    assert rules.vk_price(Decimal("-5"), markup_percent=Decimal("10"), rounding="none") == Decimal("0.00")
    assert rules.vk_price(Decimal("100"), markup_percent=Decimal("-150"), rounding="99") == Decimal("0.00")


def test_old_price_only_when_above_the_price():
    fields = rules.item_fields(product(), Rules(markup_percent=Decimal("10"), old_price_markup_percent=Decimal("30")))
    assert fields["price"] == "110.00" and fields["old_price"] == "130.00"
    fields = rules.item_fields(product(), Rules(markup_percent=Decimal("30"), old_price_markup_percent=Decimal("10")))
    assert "old_price" not in fields


def test_name_is_cut_to_100_counted_in_cp1251():
    assert rules.vk_name("Ч" * 150) == "Ч" * 99 + "…"
    emoji_name = "🍵" * 30  # each one is `&#127861;` (9 characters) for VK
    cut = rules.vk_name(emoji_name)
    assert rules.cp1251_length(cut) <= 100
    assert cut.startswith("🍵")


def test_cp1251_length_counts_characters_outside_cp1251_as_html_entities():
    assert rules.cp1251_length("Чай «Эрл Грей» №1…") == 18
    assert rules.cp1251_length("Чай 🍵") == 4 + len("&#127861;")


def test_short_name_is_lengthened_to_vk_minimum():
    assert rules.vk_name("Чай") == "Товар «Чай»"
    assert rules.cp1251_length(rules.vk_name("")) >= 4


def test_description_template_fields_and_links_stripped():
    text = rules.render_description(
        "{description}\nАртикул: {article}; штрихкод {barcode}; {measure}."
        " Заказ на https://shop.example.com/x или www.a.ru",
        {"description": "Хороший чай, см. tea.ru", "article": "A-1", "barcode": "460", "measure": "шт"},
        name="Чай",
    )
    assert "http" not in text and "www" not in text and "tea.ru" not in text
    assert "Артикул: A-1; штрихкод 460; шт." in text
    assert text.startswith("Хороший чай")


def test_description_padded_to_ten_characters():
    text = rules.render_description("{description}", {"description": ""}, name="Чай")
    assert len(text) >= 10
    assert "Чай" in text


def test_broken_template_falls_back_to_description():
    text = rules.render_description("{description", {"description": "Описание товара"}, name="Чай")
    assert text == "Описание товара"


def test_unavailable_rules_hide_through_deleted_flag():
    assert rules.item_fields(product(quantity=Decimal("0")), Rules())["deleted"] == 1
    assert rules.item_fields(product(allow_to_sell=False), Rules())["deleted"] == 1
    assert rules.item_fields(product(quantity=Decimal("0")), Rules(unavailable_if_no_stock=False))["deleted"] == 0
    assert rules.item_fields(product(), Rules())["deleted"] == 0


def test_stock_sent_only_when_asked_and_clamped():
    assert "stock_amount" not in rules.item_fields(product(), Rules())
    assert rules.item_fields(product(quantity=Decimal("3.7")), Rules(send_stock=True))["stock_amount"] == 3
    assert rules.item_fields(product(quantity=Decimal("-2")), Rules(send_stock=True))["stock_amount"] == 0


def test_sku_key_options_fall_back_to_evotor_id():
    assert rules.product_sku(product(), "evotor_id") == "p-1"
    assert rules.product_sku(product(), "article") == "A-1"
    assert rules.product_sku(product(), "barcode") == "4600000000001"
    assert rules.product_sku(product(article_number=""), "article") == "p-1"


def test_category_override_per_group():
    r = Rules(category_id=5, group_categories={"g-1": 7})
    assert rules.item_fields(product(), r)["category_id"] == 7
    assert rules.item_fields(product(parent_evotor_id="g-2"), r)["category_id"] == 5


def test_hash_changes_with_any_pushed_value_and_photo():
    fields = rules.item_fields(product(), Rules())
    same = rules.item_fields(product(), Rules())
    assert rules.pushed_hash(fields, "a") == rules.pushed_hash(same, "a")
    assert rules.pushed_hash(fields, "a") != rules.pushed_hash(fields, "b")
    changed = rules.item_fields(product(price=Decimal("101")), Rules())
    assert rules.pushed_hash(fields, "a") != rules.pushed_hash(changed, "a")


def test_groups_of_one_name_share_an_album_key_whatever_their_case_and_spacing():
    shared = Rules()
    key, title = album_of("g1", "Бакалея", "На Ленина", shared)
    assert (key, title) == (album_of("g2", " бакалея ", "На Садовой", shared)[0], "Бакалея")
    assert album_of("g1", "Бакалея", "На Ленина", shared)[0].startswith("name:")
    assert album_of("g1", "Бакалея", "", shared)[0] != album_of("g3", "Напитки", "", shared)[0]


def test_with_the_store_name_each_group_has_its_own_album_titled_with_its_store():
    by_store = Rules(store_in_album_title=True)
    assert album_of("g1", "Бакалея", "Магазин на Ленина", by_store) == ("g1", "Бакалея — Магазин на Ленина")
    assert album_of("g2", "", "  ", by_store) == ("g2", "Без названия")
    assert len(album_of("g3", "Я" * 100, "М" * 100, by_store)[1]) == 128  # VK's limit on an album title
    assert other_album_key("g1", "Бакалея", by_store) == album_of("g1", "Бакалея", "", Rules())[0]
    assert other_album_key("g1", "Бакалея", Rules()) == "g1"
