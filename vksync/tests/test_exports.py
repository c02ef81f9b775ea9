"""The merchant's downloads: the catalog with its VK state and a run's report, as CSV (UTF-8 with BOM) and XLSX,
read back with the csv module and openpyxl, Cyrillic intact; and they stream, reading the database in chunks."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from accounts.tests.factories import UserFactory
from catalog.models import Product
from catalog.tests.factories import ProductFactory, StoreFactory
from core import exports
from vksync.engine import run_sync
from vksync.exports import CATALOG_HEADER, ERRORS_HEADER
from vksync.models import ProductLink, SyncRun
from vksync.tests.factories import SyncItemErrorFactory, SyncRunFactory


def read_csv(response) -> list[list[str]]:
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode()), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(response) -> dict[str, list[list]]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


@pytest.fixture
def synced(shop, client):
    """The shop after a real sync through the emulators, with one product VK refused (error 100)."""
    shop.vk.fail_next("market.add", 100)
    run = run_sync(merchant=shop.merchant)
    client.force_login(shop.merchant)
    shop.client, shop.run = client, run
    return shop


def test_catalog_csv_lists_every_product_with_its_vk_state(synced):
    answer = synced.client.get("/sync/export/catalog.csv")
    assert answer.status_code == 200 and answer.streaming
    assert answer["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in answer["Content-Disposition"]
    header, *rows = read_csv(answer)
    assert header == CATALOG_HEADER
    products = Product.objects.filter(merchant=synced.merchant, removed=False)
    assert sorted(row[2] for row in rows) == sorted(products.values_list("name", flat=True))
    link = ProductLink.objects.filter(merchant=synced.merchant, state=ProductLink.State.ACTIVE).first()
    row = next(row for row in rows if row[2] == link.product.name)
    assert any("а" <= letter <= "я" for letter in row[2].lower()), "a Russian name, read back intact"
    assert row[3] == link.product.code
    assert row[7] == f"https://vk.com/product-{link.group_id}_{link.vk_item_id}"
    assert row[8] == "В магазине"
    assert row[6] != "" and float(row[6]) > 0  # the price VK holds
    refused = ProductLink.objects.filter(merchant=synced.merchant).exclude(last_error="").get()
    refused_row = next(row for row in rows if row[2] == refused.product.name)
    assert refused_row[9] == refused.last_error and refused_row[9]
    assert (
        sum(row[8] == "Не в VK" for row in rows)
        == products.count() - ProductLink.objects.filter(merchant=synced.merchant).count()
    )


def test_catalog_xlsx_opens_in_a_spreadsheet_with_the_same_rows(synced):
    answer = synced.client.get("/sync/export/catalog.xlsx")
    assert answer.status_code == 200 and answer.streaming
    assert answer["Content-Type"] == exports.XLSX_TYPE
    as_csv = read_csv(synced.client.get("/sync/export/catalog.csv"))
    sheet = read_xlsx(answer)["Каталог"]
    assert sheet[0] == CATALOG_HEADER
    assert [row[2] for row in sheet[1:]] == [row[2] for row in as_csv[1:]]
    assert len(sheet) == len(as_csv)


def test_run_report_has_the_runs_figures_and_every_refused_product(synced):
    run = synced.run
    SyncItemErrorFactory(run=run, product_name="Сыр «Российский»", reason="Цена ниже допустимой")
    csv_rows = read_csv(synced.client.get(f"/sync/runs/{run.pk}/report.csv"))
    figures = {row[0]: row[1] for row in csv_rows[1 : csv_rows.index([])]}
    assert figures["Запуск №"] == str(run.pk)
    assert figures["Состояние"] == run.get_status_display()
    assert figures["Создано"] == str(run.created) and run.created > 0
    assert csv_rows[csv_rows.index([]) + 2] == ERRORS_HEADER
    errors = csv_rows[csv_rows.index([]) + 3 :]
    assert {"Сыр «Российский»", run.item_errors.exclude(product_name="Сыр «Российский»").get().product_name} == {
        row[1] for row in errors
    }
    book = read_xlsx(synced.client.get(f"/sync/runs/{run.pk}/report.xlsx"))
    assert book["Запуск"][1] == ["Запуск №", run.pk]
    assert ["Цена ниже допустимой"] == [row[4] for row in book["Ошибки товаров"][1:] if row[1] == "Сыр «Российский»"]


@pytest.mark.django_db
def test_another_merchants_run_report_is_not_found(client):
    run = SyncRunFactory(status=SyncRun.Status.DONE)
    client.force_login(UserFactory())
    assert client.get(f"/sync/runs/{run.pk}/report.csv").status_code == 404


@pytest.mark.django_db
def test_exports_need_a_login(client):
    assert client.get("/sync/export/catalog.csv").status_code == 302


@pytest.mark.django_db
def test_a_large_catalog_streams_in_chunks_never_read_whole(client, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_ROWS", 100)
    monkeypatch.setattr(exports.keyset_chunks, "__defaults__", (100,))
    merchant = UserFactory()
    store = StoreFactory(merchant=merchant)
    Product.objects.bulk_create(ProductFactory.build_batch(1050, merchant=merchant, store=store, group=None))
    client.force_login(merchant)
    answer = client.get("/sync/export/catalog.csv")
    with CaptureQueriesContext(connection) as queries:
        first = next(iter(answer.streaming_content))
        assert first.startswith("\ufeff".encode())
        assert len(queries) == 0, "nothing is read before the first bytes go out"
        rest = b"".join(answer.streaming_content)
    selects = [q["sql"] for q in queries if "catalog_product" in q["sql"]]
    assert len(selects) == 11  # 1,050 rows read 100 at a time
    assert all("LIMIT 100" in sql for sql in selects)
    assert rest.decode("utf-8").count("\r\n") == 1051  # the header and every product


def test_staff_download_a_merchants_catalog_and_a_run_report_from_the_admin(synced):
    from django.urls import reverse

    from vksync.models import SyncSettings

    staff = UserFactory(staff=True, is_superuser=True)
    synced.client.force_login(staff)
    settings_row = SyncSettings.objects.get(merchant=synced.merchant)
    answer = synced.client.post(
        reverse("admin:vksync_syncsettings_changelist"),
        {"action": "catalog_xlsx", "_selected_action": [settings_row.pk]},
    )
    assert answer.status_code == 200 and answer.streaming
    sheet = read_xlsx(answer)["Каталог"]
    assert len(sheet) - 1 == Product.objects.filter(merchant=synced.merchant, removed=False).count()
    answer = synced.client.post(
        reverse("admin:vksync_syncrun_changelist"), {"action": "report_csv", "_selected_action": [synced.run.pk]}
    )
    assert read_csv(answer)[1] == ["Запуск №", str(synced.run.pk)]


def test_admin_export_of_several_rows_asks_for_one(synced):
    from django.urls import reverse

    synced.client.force_login(UserFactory(staff=True, is_superuser=True))
    other = SyncRunFactory(merchant=synced.merchant, status=SyncRun.Status.DONE)
    answer = synced.client.post(
        reverse("admin:vksync_syncrun_changelist"),
        {"action": "report_xlsx", "_selected_action": [synced.run.pk, other.pk]},
        follow=True,
    )
    assert "Для выгрузки выберите одну строку." in answer.content.decode()


def test_the_stores_page_and_each_run_on_the_sync_page_offer_the_downloads(synced):
    stores_page = synced.client.get("/catalog/stores").content.decode()
    assert 'href="/sync/export/catalog.csv"' in stores_page and 'href="/sync/export/catalog.xlsx"' in stores_page
    sync_page = synced.client.get("/sync").content.decode()
    for kind in ("csv", "xlsx"):
        assert f'href="/sync/runs/{synced.run.pk}/report.{kind}"' in sync_page


@pytest.mark.django_db
def test_a_name_that_looks_like_a_formula_stays_text_in_both_files(client):
    """openpyxl stores a string starting with "=" as a formula; Excel runs one read from CSV too."""
    merchant = UserFactory()
    store = StoreFactory(merchant=merchant)
    ProductFactory(merchant=merchant, store=store, group=None, name='=HYPERLINK("http://example.com","Жми")')
    ProductFactory(merchant=merchant, store=store, group=None, name="+7 Молоко")
    client.force_login(merchant)
    names = {row[2] for row in read_csv(client.get("/sync/export/catalog.csv"))[1:]}
    assert names == {'\'=HYPERLINK("http://example.com","Жми")', "'+7 Молоко"}
    answer = client.get("/sync/export/catalog.xlsx")
    workbook = load_workbook(io.BytesIO(b"".join(answer.streaming_content)))
    cells = [row[2] for row in workbook["Каталог"].iter_rows(min_row=2)]
    assert {cell.value for cell in cells} == {'=HYPERLINK("http://example.com","Жми")', "+7 Молоко"}
    assert {cell.data_type for cell in cells} == {"s"}
