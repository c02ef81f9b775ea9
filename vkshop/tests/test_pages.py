"""The merchant's VK shop pages: albums with counts, an album's items with their Evotor products."""

import pytest

from accounts.tests.factories import UserFactory
from catalog.models import Product
from catalog.tests.factories import ProductFactory, StoreFactory
from connections.tests.factories import VkConnectionFactory
from vkshop.models import VkItem, VkItemInAlbum
from vkshop.tests.factories import VkAlbumFactory, VkItemFactory, VkItemInAlbumFactory, put_in_album

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(merchant):
    """The logged-in merchant, with VK connected."""
    VkConnectionFactory(merchant=merchant)
    return merchant


def many_items(merchant, count: int, album=None) -> list[VkItem]:
    items = VkItem.objects.bulk_create(VkItemFactory.build(merchant=merchant, sku=f"evo-{n}") for n in range(count))
    if album is not None:
        VkItemInAlbum.objects.bulk_create(VkItemInAlbumFactory.build(item=item, album=album) for item in items)
    return items


def test_albums_page_lists_albums_with_item_counts(client, merchant):
    tea, coffee = VkAlbumFactory(merchant=merchant, title="Чай"), VkAlbumFactory(merchant=merchant, title="Кофе")
    items = [VkItemFactory(merchant=merchant) for _ in range(3)]
    put_in_album(items[0], tea)
    put_in_album(items[1], tea)
    put_in_album(items[1], coffee)
    VkAlbumFactory(title="Чужая подборка")  # another merchant's
    response = client.get("/vk-catalog/albums")
    counts = {album["title"]: album["item_total"] for album in response.context["albums"]}
    assert counts == {"Чай": "2", "Кофе": "1"}
    assert (response.context["total"], response.context["without_album"]) == (3, 1)
    assert "Чужая подборка" not in response.content.decode()


def test_album_items_show_price_availability_and_the_evotor_product(client, merchant):
    album = VkAlbumFactory(merchant=merchant, title="Чай")
    ProductFactory(store=StoreFactory(merchant=merchant), evotor_id="prod-1", name="Чай из Эвотора", price=150)
    ProductFactory(evotor_id="prod-2", name="Чужой товар", price=1)  # another merchant's
    made = VkItemFactory(merchant=merchant, title="Чай VK", sku="prod-1", price="150.00", availability=2)
    by_hand = VkItemFactory(merchant=merchant, title="Сделан вручную", sku="prod-2")
    put_in_album(made, album)
    put_in_album(by_hand, album)
    page = client.get(f"/vk-catalog/albums/{album.pk}/products").content.decode()
    assert "Чай VK" in page and "150,00" in page and "Недоступен" in page
    assert "Чай из Эвотора" in page and "Чужой товар" not in page


def test_another_merchants_album_is_404(client, merchant):
    album = VkAlbumFactory()  # someone else's
    assert client.get(f"/vk-catalog/albums/{album.pk}/products").status_code == 404


def test_every_item_and_items_without_album(client, merchant):
    album = VkAlbumFactory(merchant=merchant)
    in_album, loose = (
        VkItemFactory(merchant=merchant, title="В подборке"),
        VkItemFactory(merchant=merchant, title="Сам по себе"),
    )
    put_in_album(in_album, album)
    VkItemFactory(title="Чужой")
    every = [row["title"] for row in client.get("/vk-catalog/albums/0/products").context["rows"]]
    assert every == ["В подборке", "Сам по себе"]
    alone = [row["title"] for row in client.get("/vk-catalog/albums/0/products?only=no_album").context["rows"]]
    assert alone == [loose.title]


def test_a_thousand_items_page_in_a_constant_number_of_queries(client, merchant, django_assert_max_num_queries):
    album = VkAlbumFactory(merchant=merchant)
    store = StoreFactory(merchant=merchant)
    Product.objects.bulk_create(
        ProductFactory.build(store=store, evotor_id=f"evo-{n}", name=f"Товар Эвотор {n}") for n in range(1200)
    )
    many_items(merchant, 1200, album)
    with django_assert_max_num_queries(8):
        first = client.get(f"/vk-catalog/albums/{album.pk}/products")
    with django_assert_max_num_queries(8):
        last = client.get(f"/vk-catalog/albums/{album.pk}/products?page=24")
    # The albums page also shows the one count (vksync.counts: 6 queries, one of them the open VK orders'
    # reservations) and the shop beside it (2); the current shop's permissions cost one more (accounts.access).
    with django_assert_max_num_queries(8 + 8 + 1):
        client.get("/vk-catalog/albums")
    assert first.context["page"].paginator.count == 1200 and len(first.context["rows"]) == 50
    assert len(last.context["rows"]) == 50 and all(row["evotor_name"] for row in last.context["rows"])


def test_without_a_vk_connection_the_pages_say_so(client):
    client.force_login(UserFactory())
    assert "не подключён" in client.get("/vk-catalog/albums").content.decode()
    assert client.get("/vk-catalog/albums/0/products").status_code == 200


def test_pages_need_login(client):
    assert client.get("/vk-catalog/albums").status_code == 302


def test_refresh_now_rereads_the_shop(client, merchant, vk_emulator):
    from emulators.vk.fixtures import TEST_GROUP_ID

    vk_emulator.add_item(TEST_GROUP_ID, "Чай зелёный")
    response = client.post("/vk-catalog/refresh", follow=True)
    assert "перечитывается" in response.content.decode()
    assert [row["title"] for row in client.get("/vk-catalog/albums/0/products").context["rows"]] == ["Чай зелёный"]


def test_prices_are_grouped_by_thousands_and_albums_link_to_their_pages(client, merchant):
    from django.urls import reverse

    from vkshop.views import ALBUM_PAGE

    album = VkAlbumFactory(merchant=merchant, title="Чай")
    put_in_album(VkItemFactory(merchant=merchant, price="3583.60", old_price="4000", stock_amount=7), album)
    page = client.get(f"/vk-catalog/albums/{album.pk}/products").content.decode()
    assert "3\xa0583,60 ₽" in page and '<s class="muted">4\xa0000,00</s>' in page and "(7 шт.)" in page
    assert ALBUM_PAGE.format(album.pk) == reverse("vk_album_products", args=[album.pk])
    assert f'href="{ALBUM_PAGE.format(album.pk)}"' in client.get("/vk-catalog/albums").content.decode()
