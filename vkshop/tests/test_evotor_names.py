"""An album's page names the Evotor product behind each VK item, whatever key the sync put in its sku."""

import pytest

from catalog.tests.factories import ProductFactory
from connections.tests.factories import VkConnectionFactory
from vkshop.selectors import evotor_names_for
from vkshop.tests.factories import VkAlbumFactory, VkItemFactory, put_in_album

pytestmark = pytest.mark.django_db


def test_items_keyed_by_article_number_or_barcode_keep_their_product_names(client):
    """Bug: the page matched sku to the Evotor id only, so items keyed by article or barcode lost their names."""
    by_id = ProductFactory(name="Чай по id")
    merchant = by_id.merchant
    VkConnectionFactory(merchant=merchant)
    ProductFactory(store=by_id.store, name="Чай по артикулу", article_number="ART-7")
    ProductFactory(store=by_id.store, name="Чай по штрихкоду", barcodes=["4601234567890", "2000000000015"])
    album = VkAlbumFactory(merchant=merchant)
    for sku in (by_id.evotor_id, "ART-7", "4601234567890", "no-such-key"):
        put_in_album(VkItemFactory(merchant=merchant, sku=sku), album)
    client.force_login(merchant)
    rows = client.get(f"/vk-catalog/albums/{album.pk}/products").context["rows"]
    names = {row["sku"]: row["evotor_name"] for row in rows}
    assert names == {
        by_id.evotor_id: "Чай по id",
        "ART-7": "Чай по артикулу",
        "4601234567890": "Чай по штрихкоду",
        "no-such-key": None,
    }


def test_another_merchants_products_never_name_an_item():
    mine = ProductFactory(article_number="SAME")
    ProductFactory(article_number="OTHER", name="Чужой")
    assert evotor_names_for(merchant=mine.merchant, skus=["OTHER", "SAME"]) == {"SAME": mine.name}


def test_names_by_evotor_id_take_one_query(django_assert_num_queries):
    product = ProductFactory()
    with django_assert_num_queries(1):
        assert evotor_names_for(merchant=product.merchant, skus=[product.evotor_id]) == {
            product.evotor_id: product.name
        }
