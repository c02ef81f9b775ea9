"""Evotor's legacy product push: authenticated with the api token we issued; it only triggers a refresh."""

import pytest
from django.core.cache import cache

from catalog.triggers import refresh_soon_key
from connections.tests.factories import EvotorConnectionFactory
from webhooks.services import api_token_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/inventories/stores/20240101-AAAA-4000-8000-000000000001/products"


def push(client, token):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    body = '[{"uuid": "p1", "name": "Новый товар", "allowToSell": true}]'
    return client.post(URL, data=body, content_type="application/json", **headers)


@pytest.fixture
def connection():
    connection = EvotorConnectionFactory(evotor_user_id="01-000000000000031", token="cloud")
    cache.delete(refresh_soon_key(connection.merchant_id, "push"))
    yield connection
    cache.delete(refresh_soon_key(connection.merchant_id, "push"))


def test_our_token_looks_like_user_id_dot_signature():
    token = api_token_for("01-000000000000031")
    assert token.startswith("01-000000000000031.")
    assert len(api_token_for("x" * 64)) <= 128


def test_push_with_our_token_queues_one_refresh(client, connection, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = push(client, api_token_for(connection.evotor_user_id))
        second = push(client, api_token_for(connection.evotor_user_id))
    assert (first.status_code, second.status_code) == (200, 200)
    assert len(callbacks) == 1  # the second push rides along with the refresh already queued


@pytest.mark.parametrize("token", [None, "nonsense", "01-000000000000031.forged", api_token_for("01-999")])
def test_push_with_a_bad_user_token_is_401_code_1002(client, connection, token):
    response = push(client, token)
    assert response.status_code == 401
    assert response.json() == {"errors": [{"code": 1002, "reason": "bad user token"}]}


def test_push_for_a_disconnected_merchant_queues_nothing(client, connection, django_capture_on_commit_callbacks):
    connection.token = ""
    connection.save()
    with django_capture_on_commit_callbacks() as callbacks:
        assert push(client, api_token_for(connection.evotor_user_id)).status_code == 200
    assert callbacks == []
