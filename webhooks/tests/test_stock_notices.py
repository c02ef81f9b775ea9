"""Evotor's receipt and store-document notifications at the door: authorized with the user token EvoSync issued,
answered 200 at once, recorded once by their id, tolerant of any shape, never a 500; what they name is noted for
the stock recheck (the recheck itself and VK: vksync/tests/test_stock_fast_path.py)."""

import pytest
from django.core.cache import cache

from catalog.models import StockRecheck
from catalog.triggers import refresh_soon_key
from connections.tests.factories import EvotorConnectionFactory
from webhooks.models import WebhookEvent
from webhooks.services import api_token_for

pytestmark = pytest.mark.django_db
STORE = "20240101-AAAA-4000-8000-000000000001"
DOCUMENTS = f"/api/v1/inventories/stores/{STORE}/documents"
RECEIPTS = "/api/v2/receipts"
P1, P2 = "0a6e1c1e-0000-4000-8000-000000000001", "0a6e1c1e-0000-4000-8000-000000000002"


@pytest.fixture
def connection():
    connection = EvotorConnectionFactory(evotor_user_id="01-000000000000041", token="cloud")
    cache.delete(refresh_soon_key(connection.merchant_id, "stock"))
    yield connection
    cache.delete(refresh_soon_key(connection.merchant_id, "stock"))


def auth(connection):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(connection.evotor_user_id)}"}


def document(uuid: str, *products: str) -> dict:
    return {
        "uuid": uuid,
        "type": "ACCEPT",
        "body": {"positions": [{"productUuid": p, "quantity": 5} for p in products]},
    }


def put(client, connection, body):
    return client.put(DOCUMENTS, data=body, content_type="application/json", **auth(connection))


def noted(connection) -> set[str]:
    return set(StockRecheck.objects.filter(merchant=connection.merchant).values_list("product_evotor_id", flat=True))


def test_a_document_notes_its_products_and_queues_one_recheck(client, connection, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        assert put(client, connection, document("d-1", P1, P2)).status_code == 200
    assert noted(connection) == {P1, P2}
    assert len(queued) == 1
    event = WebhookEvent.objects.get(kind=WebhookEvent.Kind.DOCUMENT)
    assert (event.event_id, event.event_type, event.applied) == ("d-1", "ACCEPT", True)
    assert StockRecheck.objects.get(product_evotor_id=P1).store_evotor_id == STORE


def test_a_list_of_documents_is_each_recorded_once(client, connection):
    body = [document("d-1", P1), document("d-2", P2), "not a document"]
    assert put(client, connection, body).status_code == 200
    assert put(client, connection, {"documents": body[:2]}).status_code == 200  # the same two, resent
    assert WebhookEvent.objects.filter(kind=WebhookEvent.Kind.DOCUMENT).count() == 2


def test_a_resent_receipt_notes_nothing_again(client, connection):
    receipt = {"id": "r-1", "data": {"storeId": STORE, "items": [{"id": P1, "quantity": 1}]}}
    post = lambda: client.post(RECEIPTS, data=receipt, content_type="application/json", **auth(connection))  # noqa: E731
    assert post().status_code == 200
    StockRecheck.objects.all().delete()  # the recheck ran
    assert post().status_code == 200
    assert noted(connection) == set()
    assert WebhookEvent.objects.filter(kind=WebhookEvent.Kind.RECEIPT).count() == 1


def test_a_receipt_without_an_id_is_known_by_its_content(client, connection):
    receipt = {"data": {"items": [{"id": P1}]}}
    for _ in range(2):
        client.post(RECEIPTS, data=receipt, content_type="application/json", **auth(connection))
    assert WebhookEvent.objects.filter(kind=WebhookEvent.Kind.RECEIPT).count() == 1


def test_the_server_secret_is_not_a_user_token(client, connection, settings):
    settings.EVOTOR_WEBHOOK_SECRET = "server-secret"
    response = client.put(
        DOCUMENTS, data=document("d-1", P1), content_type="application/json", HTTP_AUTHORIZATION="Bearer server-secret"
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == 1002


def test_the_wrong_method_is_405_in_evotors_shape(client, connection):
    assert client.get(RECEIPTS, **auth(connection)).status_code == 405
    response = client.post(DOCUMENTS, data={}, content_type="application/json", **auth(connection))
    assert response.status_code == 405 and response["Allow"] == "PUT"
    assert response.json()["errors"][0]["code"] == 2001


def test_a_body_that_is_not_json_is_a_syntax_error(client, connection):
    response = client.post(RECEIPTS, data=b"{not json", content_type="application/json", **auth(connection))
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == 2001


def test_an_uninstalled_app_records_the_receipt_and_notes_nothing(client, connection):
    connection.installed = False
    connection.save()
    receipt = {"id": "r-9", "data": {"items": [{"id": P1}]}}
    assert client.post(RECEIPTS, data=receipt, content_type="application/json", **auth(connection)).status_code == 200
    assert noted(connection) == set()
    assert not WebhookEvent.objects.get(event_id="r-9").applied


def test_what_a_recheck_left_gets_the_next_one_even_when_the_quiet_period_is_under_a_second(
    client, connection, settings, django_capture_on_commit_callbacks
):
    settings.STOCK_SYNC_DEBOUNCE_SECONDS = 0.2  # as the bench scales it: the cache's key lives a whole second
    settings.STOCK_RECHECK_MAX = 1
    with django_capture_on_commit_callbacks() as queued:
        assert put(client, connection, document("d-1", P1, P2)).status_code == 200
    assert len(queued) == 1
    with django_capture_on_commit_callbacks() as follow_up:
        queued[0]()  # the recheck runs: it reads one product, the other waits
    assert len(noted(connection)) == 1
    assert len(follow_up) == 1  # and the next recheck is on its way for it
