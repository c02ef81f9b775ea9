"""The VK shop pages show EvoSync's thumbnail of the Evotor product behind each item, never an outside picture."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.tests.factories import ProductFactory, StoreFactory
from connections.tests.factories import VkConnectionFactory
from vkshop.tests.factories import VkAlbumFactory, VkItemFactory, put_in_album

pytestmark = pytest.mark.django_db


@pytest.fixture
def album(merchant):
    VkConnectionFactory(merchant=merchant)
    return VkAlbumFactory(merchant=merchant, title="Чай")


def test_items_from_evotor_show_the_products_thumbnail_and_hand_made_ones_say_their_photo_is_in_vk(client, album):
    merchant = album.merchant
    store = StoreFactory(merchant=merchant)
    pictured = ProductFactory(store=store, name="Чай зелёный", image_hash="c" * 64, thumbnail=f"{'c' * 64}.webp")
    plain = ProductFactory(store=store, name="Чай чёрный")
    put_in_album(VkItemFactory(merchant=merchant, title="Чай зелёный", sku=pictured.evotor_id), album)
    put_in_album(VkItemFactory(merchant=merchant, title="Чай чёрный", sku=plain.evotor_id), album)
    hand_made = VkItemFactory(merchant=merchant, title="Кружка", sku="", thumb_photo="https://sun9-1.userapi.com/k.jpg")
    put_in_album(hand_made, album)
    text = client.get(f"/vk-catalog/albums/{album.pk}/products").content.decode()
    assert (
        f'<img class="thumb" src="/catalog/thumbs/{"c" * 64}.webp" width="48" height="48" loading="lazy" '
        'alt="Фото: Чай зелёный">'
    ) in text
    assert 'loading="lazy" alt="Нет фото"' in text
    assert 'alt="Фото этого товара — только в VK: товар не из каталога Эвотора"' in text
    assert "userapi.com" not in text  # no picture from VK's servers: the CSP lets in images from EvoSync only


def test_thumbnails_add_no_query_to_an_album_page(client, album, django_assert_num_queries):
    merchant = album.merchant
    store = StoreFactory(merchant=merchant)
    for n in range(30):
        product = ProductFactory(store=store, image_hash=f"{n:064x}", thumbnail=f"{n:064x}.webp")
        put_in_album(VkItemFactory(merchant=merchant, sku=product.evotor_id), album)
    with CaptureQueriesContext(connection) as queries:
        text = client.get(f"/vk-catalog/albums/{album.pk}/products").content.decode()
    assert text.count('src="/catalog/thumbs/') == 30
    for n in range(30):
        put_in_album(VkItemFactory(merchant=merchant, sku=ProductFactory(store=store).evotor_id), album)
    with django_assert_num_queries(len(queries.captured_queries)):
        client.get(f"/vk-catalog/albums/{album.pk}/products")
