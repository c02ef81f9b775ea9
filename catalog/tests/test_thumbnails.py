"""Product thumbnails: made from the picture the refresh downloads, kept in storage, served by hash, never from
Evotor at page time; a placeholder with its reason in words for products without one."""

import io

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from catalog import thumbnails
from catalog.models import Product, Store
from catalog.services import refresh_catalog
from catalog.tests.factories import ProductFactory, StoreFactory
from connections.tests.factories import EvotorConnectionFactory

pytestmark = pytest.mark.django_db
IMAGES = "GET /stores/{store_id}/products/{product_id}/images"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def shop(evotor_emulator):
    """A merchant whose first store goes to VK, its catalog read once (pictures included)."""
    connection = EvotorConnectionFactory(token="tok-1")
    ids = evotor_emulator.add_merchant(token="tok-1", stores=1, groups=2, products=12, image_share=0.5)
    refresh_catalog(merchant=connection.merchant)
    Store.objects.filter(merchant=connection.merchant).update(sync_enabled=True)
    refresh_catalog(merchant=connection.merchant)
    return connection.merchant, ids


def test_the_refresh_keeps_a_small_webp_of_each_picture_named_by_its_hash(shop):
    merchant, ids = shop
    pictured = Product.objects.filter(merchant=merchant, evotor_id__in=ids["images"])
    assert pictured.exists()
    for product in pictured:
        assert product.thumbnail == f"{product.image_hash}.webp"
        with default_storage.open(thumbnails.storage_path(product.thumbnail)) as file:
            image = Image.open(io.BytesIO(file.read()))
            assert (image.format, image.size) == ("WEBP", (thumbnails.SIDE, thumbnails.SIDE))
    assert not Product.objects.filter(merchant=merchant, image_url="").exclude(thumbnail="").exists()


def test_the_products_page_shows_thumbnails_from_evosync_and_a_placeholder_without_asking_evotor(
    client, shop, evotor_emulator
):
    merchant, ids = shop
    client.force_login(merchant)
    store = Store.objects.get(merchant=merchant)
    evotor_emulator.request_log.clear()
    text = client.get(f"/catalog/stores/{store.pk}/products").content.decode()
    assert not evotor_emulator.request_log  # nothing read from Evotor while the page was made
    product = Product.objects.filter(merchant=merchant, evotor_id__in=ids["images"]).first()
    assert (
        f'<img class="thumb" src="/catalog/thumbs/{product.image_hash}.webp" width="48" height="48" '
        f'loading="lazy" alt="Фото: {product.name}">'
    ) in text
    assert 'src="/static/img/no-photo.svg" width="48" height="48" loading="lazy" alt="Нет фото"' in text
    assert "🖼" not in text and evotor_emulator.base_url not in text
    assert "Фото товаров EvoSync читает из Эвотора только у товаров, которые идут в VK" in text


def test_a_thumbnail_is_served_with_a_year_of_cache_and_its_hash_as_etag(client, shop):
    merchant, ids = shop
    client.force_login(merchant)
    product = Product.objects.filter(merchant=merchant, evotor_id__in=ids["images"]).first()
    url = thumbnails.url(product.thumbnail)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response["ETag"] == f'"{product.image_hash}"'
    assert b"".join(response.streaming_content).startswith(b"RIFF")
    again = client.get(url, HTTP_IF_NONE_MATCH=f'"{product.image_hash}"')
    assert again.status_code == 304 and not again.content


def test_thumbnails_need_a_login_and_a_well_formed_existing_name(client, merchant):
    assert client.get(f"/catalog/thumbs/{'a' * 64}.webp").status_code == 404  # well formed, no such file
    for name in ("..%2Fsettings.py", "abc.webp", f"{'A' * 64}.webp", f"{'a' * 64}.png"):
        assert client.get(f"/catalog/thumbs/{name}").status_code == 404, name
    client.logout()
    assert client.get(f"/catalog/thumbs/{'a' * 64}.webp").status_code == 302


def test_pictures_known_before_thumbnails_get_one_on_the_next_refresh_and_then_cost_nothing(shop, evotor_emulator):
    merchant, ids = shop
    Product.objects.filter(merchant=merchant).update(thumbnail="")  # as rows were before this feature
    evotor_emulator.request_counts.clear()
    refresh_catalog(merchant=merchant)
    pictured = Product.objects.filter(merchant=merchant, evotor_id__in=ids["images"])
    assert evotor_emulator.request_counts[IMAGES] == pictured.count()
    assert all(product.thumbnail == f"{product.image_hash}.webp" for product in pictured)
    evotor_emulator.request_counts.clear()
    refresh_catalog(merchant=merchant)
    assert evotor_emulator.request_counts[IMAGES] == 0
    assert evotor_emulator.request_counts["GET /images/{id}"] == 0


def test_a_picture_that_is_not_an_image_is_said_so_and_not_downloaded_again(client, shop, evotor_emulator):
    merchant, ids = shop
    product = Product.objects.filter(merchant=merchant, evotor_id__in=ids["images"]).first()
    image = evotor_emulator.set_image("tok-1", product.evotor_id, seed="new")
    evotor_emulator.update_product("tok-1", product.evotor_id, price=7)
    # The emulator's fault hook answers 200 with a text body for this picture: bytes no image reader takes.
    evotor_emulator.fail_next(200, path=image["url"])
    refresh_catalog(merchant=merchant)
    product.refresh_from_db()
    assert product.thumbnail == thumbnails.NOT_AN_IMAGE and product.image_hash
    evotor_emulator.request_counts.clear()
    refresh_catalog(merchant=merchant)
    assert evotor_emulator.request_counts["GET /images/{id}"] == 0
    client.force_login(merchant)
    text = client.get(f"/catalog/stores/{product.store_id}/products", {"q": product.name}).content.decode()
    assert 'alt="Фото есть в Эвоторе, но прочитать его не удалось"' in text


def test_a_picture_read_before_its_thumbnail_is_announced_for_the_next_refresh(client, merchant):
    store = StoreFactory(merchant=merchant)
    ProductFactory(store=store, name="Чай", image_url="https://evotor.example/p.jpg", image_hash="b" * 64)
    text = client.get(f"/catalog/stores/{store.pk}/products").content.decode()
    assert 'alt="Фото есть в Эвоторе и появится здесь после следующего обновления каталога"' in text
    assert "evotor.example" not in text


def test_the_products_page_makes_as_many_queries_with_thumbnails_as_without(
    client, merchant, django_assert_max_num_queries
):
    store = StoreFactory(merchant=merchant)
    ProductFactory.create_batch(5, store=store)
    with CaptureQueriesContext(connection) as plain:
        client.get(f"/catalog/stores/{store.pk}/products")
    for n in range(40):
        ProductFactory(store=store, image_url=f"https://e.example/{n}.jpg", image_hash=f"{n:064x}",
                       thumbnail=f"{n:064x}.webp")  # fmt: skip
    with CaptureQueriesContext(connection) as pictured:
        text = client.get(f"/catalog/stores/{store.pk}/products").content.decode()
    assert text.count('src="/catalog/thumbs/') == 40
    assert len(pictured.captured_queries) == len(plain.captured_queries)
