"""The catalog pages meet odd input by ignoring it or going back, never with a 500 (issue 12, finding 4)."""

import pytest

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductGroupFactory, StoreFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.fixture
def store(merchant):
    return StoreFactory(merchant=merchant, sync_enabled=False)


BAD_NEXT = [
    "foo",  # redirect("foo") reversed it as a view name: NoReverseMatch after the switch was saved
    "catalog-stores",  # a view name is not a URL either
    "a.b",
    "https://evil.example/",
    "//evil.example/x",
    "/\\evil.example",
    "\x00",
    "javascript:alert(1)",
    "²",
    "x" * 5000,
]


@pytest.mark.parametrize("target", BAD_NEXT)
def test_store_toggle_with_a_bad_next_goes_to_the_stores_page(client, store, target):
    response = client.post(f"/catalog/stores/{store.pk}/toggle", {"enabled": "1", "next": target})
    assert response.status_code == 302 and response["Location"] == "/catalog/stores"
    store.refresh_from_db()
    assert store.sync_enabled is True


@pytest.mark.parametrize("target", BAD_NEXT)
def test_group_toggle_with_a_bad_next_goes_to_the_groups_page(client, store, target):
    group = ProductGroupFactory(store=store)
    response = client.post(f"/catalog/stores/{store.pk}/groups/{group.pk}/toggle", {"enabled": "0", "next": target})
    assert response.status_code == 302 and response["Location"] == f"/catalog/stores/{store.pk}/groups"


def test_a_path_on_this_site_is_followed(client, store):
    target = f"/catalog/stores/{store.pk}/products?q=чай&page=2"
    response = client.post(f"/catalog/stores/{store.pk}/toggle", {"next": target})
    assert response.status_code == 302 and response["Location"] == target.replace("чай", "%D1%87%D0%B0%D0%B9")


def test_a_next_with_a_line_break_is_never_a_header_split(client, store):
    response = client.post(f"/catalog/stores/{store.pk}/toggle", {"next": "/catalog\r\nSet-Cookie: x=1"})
    assert response.status_code == 302 and "\n" not in response["Location"]


@pytest.mark.parametrize("group", ["²", "¹²³", "١٢٣", "-1", "1" * 5000, ""])
def test_products_page_ignores_a_group_that_is_not_an_ascii_id(client, store, group):
    assert client.get(f"/catalog/stores/{store.pk}/products", {"group": group}).status_code == 200


@pytest.mark.parametrize("group", ["999999", "9" * 30])
def test_products_page_gives_404_for_a_group_that_does_not_exist(client, store, group):
    assert client.get(f"/catalog/stores/{store.pk}/products", {"group": group}).status_code == 404
