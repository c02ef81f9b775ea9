"""The VK emulator's read-only shop page (/market-<group_id>): what a visitor of the community sees."""

import re

import requests

from emulators.vk.fixtures import TEST_GROUP_ID


def page(emu, group_id=TEST_GROUP_ID):
    return requests.get(f"{emu.base_url}/market-{group_id}", timeout=5)


def titles(html: str) -> list[str]:
    return re.findall(r'<div class="title">([^<]*)</div>', html)


def test_shop_page_shows_albums_and_the_items_a_visitor_sees(vk_emulator):
    album = vk_emulator.add_album(TEST_GROUP_ID, "Сыры")
    vk_emulator.add_item(TEST_GROUP_ID, "Сыр Гауда", price="459.90", album_ids=[album])
    vk_emulator.add_item(TEST_GROUP_ID, "Чай зелёный", price="129", stock_amount=0)
    vk_emulator.add_item(TEST_GROUP_ID, "Скрытый товар", hidden=True, album_ids=[album])
    vk_emulator.add_item(TEST_GROUP_ID, "Удалённый товар", removed=True)
    response = page(vk_emulator)
    html = response.text
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>Чайная лавка</h1>" in html and "2 товара" in html
    assert titles(html) == ["Чай зелёный", "Сыр Гауда", "Сыр Гауда"]  # all items, then the album «Сыры»
    assert '<a href="#album-1">Сыры (1)</a>' in html
    assert "459,90 ₽" in html and "129 ₽" in html
    assert html.count("Нет в наличии") == 1  # the tea: no stock left
    assert "Скрытый" not in html and "Удалённый" not in html


def test_shop_page_escapes_what_the_merchant_wrote(vk_emulator):
    vk_emulator.add_item(TEST_GROUP_ID, "<script>alert(1)</script>")
    html = page(vk_emulator).text
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_shop_page_of_an_empty_shop_says_so_and_an_unknown_community_is_404(vk_emulator):
    assert "В магазине пока нет товаров." in page(vk_emulator).text
    assert page(vk_emulator, group_id=424242).status_code == 404
