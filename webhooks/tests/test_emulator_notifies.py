"""The Evotor emulator notifies EvoSync over HTTP as Evotor would: a sale sends a v2 receipt, a back-office change
of stock or price sends a store document, each with the user token EvoSync issued; EvoSync answers 200 and reads
the products again."""

import pytest
from django.core.cache import cache

from catalog.models import Product, StockRecheck
from catalog.services import refresh_catalog
from catalog.triggers import refresh_soon_key
from connections.tests.factories import EvotorConnectionFactory
from webhooks.models import WebhookEvent
from webhooks.services import api_token_for


@pytest.fixture
def notifying(transactional_db, live_server, evotor_emulator):
    ids = evotor_emulator.add_merchant(token="tok-n", user_id="01-000000000000051", stores=1, groups=2, products=20)
    connection = EvotorConnectionFactory(evotor_user_id=ids["user_id"], token="tok-n")
    refresh_catalog(merchant=connection.merchant)
    evotor_emulator.notify_to(live_server.url, {ids["user_id"]: api_token_for(ids["user_id"])})
    cache.delete(refresh_soon_key(connection.merchant_id, "stock"))
    yield evotor_emulator, connection, ids["products"][ids["stores"][0]]
    cache.delete(refresh_soon_key(connection.merchant_id, "stock"))


def test_a_sale_sends_a_receipt_that_evosync_takes_and_reads_again(notifying):
    emulator, connection, product_ids = notifying
    before = Product.objects.get(evotor_id=product_ids[0]).quantity
    receipt = emulator.sell("tok-n", product_ids[0], 2)
    assert emulator.deliveries == [("/api/v2/receipts", 200)]
    assert WebhookEvent.objects.get(kind=WebhookEvent.Kind.RECEIPT).event_id == receipt["id"]
    # The recheck ran as the worker would (eager in tests): the cache holds the stock after the sale.
    assert Product.objects.get(evotor_id=product_ids[0]).quantity == before - 2
    assert not StockRecheck.objects.exists()


def test_a_change_of_stock_in_the_back_office_sends_a_store_document(notifying):
    emulator, connection, product_ids = notifying
    emulator.update_product("tok-n", product_ids[1], quantity=42)
    emulator.update_product("tok-n", product_ids[1], name="Только название")  # no stock moved: no document
    assert len(emulator.deliveries) == 1 and emulator.deliveries[0][1] == 200
    assert emulator.deliveries[0][0].endswith("/documents")
    assert Product.objects.get(evotor_id=product_ids[1]).quantity == 42


def test_a_sale_the_application_does_not_answer_is_sent_again(notifying, settings):
    emulator, connection, product_ids = notifying
    emulator.user_tokens[connection.evotor_user_id] = "01-000000000000051.not-ours"
    emulator.sell("tok-n", product_ids[2], 1)
    assert emulator.deliveries == [("/api/v2/receipts", 401), ("/api/v2/receipts", 401)]
    assert not WebhookEvent.objects.exists()
