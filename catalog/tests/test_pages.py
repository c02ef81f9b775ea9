"""Catalog pages: stores, group tree, products (search, filter, pages), switches, and owners only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from catalog.models import Product
from catalog.tests.factories import ProductFactory, ProductGroupFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(merchant):
    return StoreFactory(merchant=merchant, name="Магазин у дома", sync_enabled=False)


def test_catalog_redirects_to_the_stores_page(client, merchant):
    response = client.get("/catalog")
    assert response.status_code == 302 and response.url == "/catalog/stores"


def test_pages_need_login(client):
    assert client.get("/catalog/stores").status_code == 302


def test_stores_page_lists_only_my_stores_with_counts(client, merchant, store):
    ProductFactory.create_batch(3, store=store)
    ProductFactory(store=store, removed=True)
    StoreFactory(name="Чужой магазин")
    page = client.get("/catalog/stores")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Магазин у дома" in text and "Чужой магазин" not in text
    assert list(page.context["stores"])[0].product_count == 3


def test_store_toggle_switches_sync(client, merchant, store):
    client.post(f"/catalog/stores/{store.pk}/toggle", {"enabled": "1"})
    store.refresh_from_db()
    assert store.sync_enabled is True
    client.post(f"/catalog/stores/{store.pk}/toggle")  # no value: flips
    store.refresh_from_db()
    assert store.sync_enabled is False


def test_group_toggle_switches_sync(client, merchant, store):
    group = ProductGroupFactory(store=store)
    response = client.post(f"/catalog/stores/{store.pk}/groups/{group.pk}/toggle", {"enabled": "0"})
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.sync_enabled is False


def test_another_merchants_ids_are_404(client, merchant, store):
    other_store = StoreFactory()
    other_group = ProductGroupFactory(store=other_store)
    my_group = ProductGroupFactory(store=store)
    for url in [
        f"/catalog/stores/{other_store.pk}/groups",
        f"/catalog/stores/{other_store.pk}/products",
        f"/catalog/stores/{store.pk}/products?group={other_group.pk}",
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        f"/catalog/stores/{other_store.pk}/toggle",
        f"/catalog/stores/{other_store.pk}/groups/{other_group.pk}/toggle",
        f"/catalog/stores/{store.pk}/groups/{other_group.pk}/toggle",
        f"/catalog/stores/{other_store.pk}/groups/{my_group.pk}/toggle",
    ]:
        assert client.post(url, {"enabled": "1"}).status_code == 404, url
    other_store.refresh_from_db()
    assert other_store.sync_enabled is True  # the factory's value, untouched


def test_staff_get_404_too_on_merchant_pages(client, store):
    client.force_login(UserFactory(staff=True))
    assert client.get(f"/catalog/stores/{store.pk}/products").status_code == 404


def test_groups_page_shows_the_tree_in_order_with_inherited_state(client, merchant, store):
    top = ProductGroupFactory(store=store, name="Напитки", sync_enabled=False)
    child = ProductGroupFactory(store=store, name="Соки", parent_evotor_id=top.evotor_id)
    ProductGroupFactory(store=store, name="Бакалея")
    ProductFactory.create_batch(2, store=store, group=child)
    response = client.get(f"/catalog/stores/{store.pk}/groups")
    rows = [(r["group"].name, r["depth"], r["count"], r["published"]) for r in response.context["tree"]]
    assert rows == [("Бакалея", 0, 0, True), ("Напитки", 0, 0, False), ("Соки", 1, 2, False)]
    assert "выключена группа выше" in response.content.decode()


def test_products_search_by_name_code_and_barcode(client, merchant, store):
    ProductFactory(store=store, name="Молоко домашнее", code="111", barcodes=["4601234567890"])
    ProductFactory(store=store, name="Хлеб", code="222", barcodes=["4609999999999"])
    url = f"/catalog/stores/{store.pk}/products"
    names = lambda q: [row["name"] for row in client.get(url, {"q": q}).context["rows"]]  # noqa: E731
    assert names("молоко") == ["Молоко домашнее"]
    assert names("222") == ["Хлеб"]
    assert names("4601234567890") == ["Молоко домашнее"]


def test_products_search_ignores_case_and_e_with_dots(client, merchant, store):
    ProductFactory(store=store, name="Мёд липовый", code="333", barcodes=[])
    ProductFactory(store=store, name="МОЛОКО 3,2%", code="444", barcodes=[])
    url = f"/catalog/stores/{store.pk}/products"
    names = lambda q: [row["name"] for row in client.get(url, {"q": q}).context["rows"]]  # noqa: E731
    assert names("мед ЛИПОВЫЙ") == ["Мёд липовый"]
    assert names("МёД") == ["Мёд липовый"]
    assert names("мОлОкО") == ["МОЛОКО 3,2%"]
    assert names("50%_") == []  # LIKE's wildcards are searched as text


def test_products_filter_by_group_and_hide_removed(client, merchant, store):
    group = ProductGroupFactory(store=store)
    ProductFactory(store=store, group=group, name="В группе")
    ProductFactory(store=store, name="Без группы")
    ProductFactory(store=store, group=group, name="Удалённый", removed=True)
    url = f"/catalog/stores/{store.pk}/products"
    rows = client.get(url, {"group": group.pk}).context["rows"]
    assert [row["name"] for row in rows] == ["В группе"]
    rows = client.get(url, {"group": group.pk, "removed": "1"}).context["rows"]
    assert [(row["name"], row["removed"]) for row in rows] == [("В группе", False), ("Удалённый", True)]


def test_products_page_costs_the_same_queries_at_10000_products(client, merchant, store, django_assert_max_num_queries):
    groups = ProductGroupFactory.create_batch(5, store=store)
    Product.objects.bulk_create(
        Product(
            merchant=merchant,
            store=store,
            group=groups[i % 5],
            evotor_id=f"p-{i}",
            name=f"Товар {i:05d}",
            code=str(i),
            barcodes=[f"46{i:011d}"],
        )  # fmt: skip
        for i in range(10_000)
    )
    url = f"/catalog/stores/{store.pk}/products"
    with django_assert_max_num_queries(10):
        response = client.get(url, {"page": 150})
    assert len(response.context["page"].object_list) == 50
    with django_assert_max_num_queries(10):
        client.get(url, {"group": groups[2].pk, "q": "Товар"})
    with django_assert_max_num_queries(10):
        client.get(f"/catalog/stores/{store.pk}/groups")
    with django_assert_max_num_queries(10):
        client.get("/catalog/stores")


def test_products_page_shows_every_column_of_a_row(client, merchant, store):
    group = ProductGroupFactory(store=store, name="Молочка")
    ProductFactory(store=store, group=group, name="Сыр", code="77", barcodes=["4601", "4602"], price="3583.60",
                   quantity="0.250", measure_name="кг", image_url="https://example.com/p.jpg")  # fmt: skip
    ProductFactory(store=store, name="Соль", price=12, quantity=0, allow_to_sell=False, removed=True)
    text = client.get(f"/catalog/stores/{store.pk}/products", {"removed": "1"}).content.decode()
    for cell in ["<td>Сыр</td>", "<td>77</td>", "<td>4601, 4602</td>", "<td>Молочка</td>", "<td>3\xa0583,60 ₽</td>",
                 "<td>0,250 кг</td>", "<td>да</td>", "Соль <span class=\"bad\">(удалён)</span>", "<td>—</td>",
                 "<td>12,00 ₽</td>", '<td class="bad">0 шт</td>', "<td>нет</td>"]:  # fmt: skip
        assert cell in text, cell


def test_products_pages_keep_the_search_and_filters_in_their_links(client, merchant, store):
    group = ProductGroupFactory(store=store)
    ProductFactory.create_batch(51, store=store, group=group, name="Чай чёрный")
    text = client.get(f"/catalog/stores/{store.pk}/products", {"q": "чай", "group": group.pk}).content.decode()
    assert f'href="?q=%D1%87%D0%B0%D0%B9&amp;group={group.pk}&amp;page=2"' in text
    assert f'<option value="{group.pk}" selected>' in text


def test_search_pages_count_in_the_same_query_as_their_rows_and_match_the_paginator(client, merchant, store):
    from django.core.paginator import Paginator

    from catalog.selectors import store_products
    from core.paging import page_counted_with_rows

    ProductFactory.create_batch(7, store=store, name="Чай")
    ProductFactory(store=store, name="Кофе")
    found = store_products(store=store, query="Чай")
    for number in ["1", "2", "3", "99", "0", "-1", "x", None]:
        page, expected = page_counted_with_rows(found, number, 3), Paginator(found, 3).get_page(number)
        assert (page.number, page.paginator.count, page.paginator.num_pages) == (
            expected.number, expected.paginator.count, expected.paginator.num_pages), number  # fmt: skip
        assert [row["name"] for row in page] == [row["name"] for row in expected.object_list]
    with CaptureQueriesContext(connection) as queries:
        page_counted_with_rows(found, "2", 3)
    assert len(queries) == 1
    assert page_counted_with_rows(store_products(store=store, query="нет такого"), "1", 3).paginator.count == 0
