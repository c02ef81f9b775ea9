"""The merchant downloads their VK orders from «Заказы VK» as CSV (UTF-8 with BOM, ";" as Excel in a Russian
locale splits) and XLSX, read back here with the csv module and openpyxl, Cyrillic intact; staff download the same
per merchant from the admin; the download streams, reading the database in chunks."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.tests.factories import UserFactory
from core import exports
from emulators.vk import orders
from emulators.vk.fixtures import TEST_GROUP_ID
from orders.exports import ITEMS_HEADER, ORDERS_HEADER
from orders.models import Order
from orders.tests.conftest import BUYER_ID
from orders.tests.factories import OrderFactory, OrderItemFactory


def read_csv(response) -> list[list[str]]:
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode()), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(response) -> dict[str, list[list]]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


@pytest.fixture
def ordered(callback_ready, deliver, client):
    """Two orders VK posted (one cancelled since), for an item EvoSync made and one made by hand in VK."""
    shop = callback_ready
    orders.place_order(shop.vk, TEST_GROUP_ID, BUYER_ID, [(shop.mapped_item, 2), (shop.hand_made, 1)],
                       comment="Позвоните до обеда", address="Москва, ул. Чайная, 5")  # fmt: skip
    second = orders.place_order(shop.vk, TEST_GROUP_ID, BUYER_ID, [(shop.mapped_item, 1)])
    deliver(shop.vk)
    orders.edit_order_by_hand(shop.vk, TEST_GROUP_ID, second, status=5)
    deliver(shop.vk)
    shop.client = client
    return shop


def test_the_orders_csv_lists_every_order_then_every_item_in_russian(ordered):
    answer = ordered.client.get("/orders/export.csv")
    assert answer.status_code == 200 and answer.streaming
    assert answer["Content-Type"] == "text/csv; charset=utf-8" and "attachment" in answer["Content-Disposition"]
    rows = read_csv(answer)
    gap = rows.index([])
    assert rows[0] == ORDERS_HEADER and rows[gap + 1] == ["Товары заказов"] and rows[gap + 2] == ITEMS_HEADER
    order_rows, item_rows = rows[1:gap], rows[gap + 3 :]
    first, second = Order.objects.filter(merchant=ordered.merchant).order_by("pk")
    assert [row[0] for row in order_rows] == [first.display_order_id, second.display_order_id]
    assert order_rows[0][3] == "Новый" and order_rows[1][3] == "Отменён"
    assert order_rows[0][7] == "Москва, ул. Чайная, 5" and order_rows[0][8] == "Позвоните до обеда"
    assert order_rows[0][6] == f"https://vk.com/id{BUYER_ID}" and order_rows[0][11] == "Callback API"
    assert order_rows[0][5] == str(first.total) and order_rows[0][4] == "3"
    assert sorted((row[0], row[1], row[2], row[4]) for row in item_rows) == sorted(
        [
            (first.display_order_id, "Чай улун", "Улун молочный", "2"),
            (first.display_order_id, "Открытка ручной работы", "не из каталога Эвотор", "1"),
            (second.display_order_id, "Чай улун", "Улун молочный", "1"),
        ]
    )


def test_the_orders_xlsx_has_the_same_rows_in_two_sheets(ordered):
    answer = ordered.client.get("/orders/export.xlsx")
    assert answer.status_code == 200 and answer.streaming and answer["Content-Type"] == exports.XLSX_TYPE
    book = read_xlsx(answer)
    assert list(book) == ["Заказы VK", "Товары заказов"]
    assert book["Заказы VK"][0] == ORDERS_HEADER and book["Товары заказов"][0] == ITEMS_HEADER
    as_csv = read_csv(ordered.client.get("/orders/export.csv"))
    assert [row[0] for row in book["Заказы VK"][1:]] == [row[0] for row in as_csv[1 : as_csv.index([])]]
    assert {row[3] for row in book["Заказы VK"][1:]} == {"Новый", "Отменён"}
    assert "Открытка ручной работы" in {row[1] for row in book["Товары заказов"][1:]}
    assert book["Заказы VK"][1][8] == "Позвоните до обеда"


def test_the_orders_page_offers_both_downloads(ordered):
    page = ordered.client.get("/orders").content.decode()
    assert 'href="/orders/export.csv"' in page and 'href="/orders/export.xlsx"' in page


@pytest.mark.django_db
def test_an_export_holds_only_the_merchants_own_orders_and_needs_a_login(client):
    mine, theirs = UserFactory(), UserFactory()
    OrderItemFactory(order=OrderFactory(merchant=mine, comment="моё"), title="Мой чай")
    OrderItemFactory(order=OrderFactory(merchant=theirs, comment="чужое"), title="Чужой чай")
    assert client.get("/orders/export.csv").status_code == 302
    client.force_login(mine)
    rows = read_csv(client.get("/orders/export.csv"))
    text = "\n".join(";".join(row) for row in rows)
    assert "Мой чай" in text and "моё" in text and "Чужой чай" not in text and "чужое" not in text


@pytest.mark.django_db
def test_a_long_orders_list_streams_in_chunks_never_read_whole(client, monkeypatch):
    monkeypatch.setattr(exports.keyset_chunks, "__defaults__", (100,))
    merchant = UserFactory()
    Order.objects.bulk_create(OrderFactory.build_batch(1050, merchant=merchant, comment="Доставка курьером"))
    client.force_login(merchant)
    answer = client.get("/orders/export.csv")
    with CaptureQueriesContext(connection) as queries:
        first = next(iter(answer.streaming_content))
        assert first.startswith("\ufeff".encode()) and len(queries) == 0, "nothing is read before the first bytes"
        rest = b"".join(answer.streaming_content).decode("utf-8")
    selects = [q["sql"] for q in queries if re.search(r"FROM [`\"]orders_order[`\"]", q["sql"])]
    assert len(selects) == 11 and all("LIMIT 100" in sql for sql in selects)  # 1,050 orders read 100 at a time
    assert rest.count("Доставка курьером") == 1050


def test_staff_download_one_merchants_orders_from_the_admin(ordered, client):
    other = OrderFactory()
    client.force_login(UserFactory(staff=True, is_superuser=True))
    chosen = Order.objects.filter(merchant=ordered.merchant).first()
    changelist = reverse("admin:orders_order_changelist")
    answer = client.post(changelist, {"action": "orders_xlsx", "_selected_action": [chosen.pk]})
    assert answer.status_code == 200 and answer.streaming
    book = read_xlsx(answer)
    assert len(book["Заказы VK"]) - 1 == Order.objects.filter(merchant=ordered.merchant).count() == 2
    answer = client.post(changelist, {"action": "orders_csv", "_selected_action": [chosen.pk]})
    assert read_csv(answer)[0] == ORDERS_HEADER
    answer = client.post(changelist, {"action": "orders_csv", "_selected_action": [chosen.pk, other.pk]}, follow=True)
    assert "Для выгрузки выберите заказы одного продавца." in answer.content.decode()
