"""The OpenAPI description of EvoSync's machine-facing endpoints is valid and true: real answers match it."""

from pathlib import Path

import pytest
from django.conf import settings
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse

from connections.tests.factories import EvotorConnectionFactory, VkConnectionFactory
from webhooks.services import api_token_for

SPEC = Path(__file__).resolve().parents[1] / "api" / "openapi.yaml"
SECRET = {"HTTP_AUTHORIZATION": "Bearer test-webhook-secret"}


@pytest.fixture(scope="module")
def openapi():
    return OpenAPI.from_file_path(str(SPEC))  # also checks the description is valid OpenAPI 3.1


def check(openapi, response):
    """The answer matches what the description says for its path, method and status."""
    openapi.validate_response(DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response))
    return response


def post_json(client, path, body, **headers):
    return client.post(path, data=body, content_type="application/json", **headers)


@pytest.mark.django_db
def test_webhook_answers_match_the_description(client, openapi, settings):
    settings.EVOTOR_WEBHOOK_SECRET = "test-webhook-secret"
    created = check(openapi, post_json(client, "/user/create", {"userId": "01-000000000000501"}, **SECRET))
    assert created.status_code == 200
    assert check(openapi, post_json(client, "/user/token", {"userId": "01-000000000000501", "token": "t"}, **SECRET))
    answers = [
        post_json(client, "/user/create", {"userId": ""}, **SECRET),
        post_json(client, "/user/create", "[1, 2]", **SECRET),
        post_json(client, "/user/create", {"userId": "01-000000000000502"}),  # no secret
        post_json(client, "/user/verify", {"userId": "01-1", "login": "nobody@example.com", "password": "x"}, **SECRET),
        post_json(client, "/user/token", {"userId": "01-unknown", "token": "t"}, **SECRET),
        post_json(client, "/subscription/event", {"subscriptionId": "s"}, **SECRET),
        post_json(client, "/installation/event", {"id": "e1", "type": "ApplicationInstalled", "data": {}}, **SECRET),
    ]
    for answer in answers:
        assert answer.status_code >= 400
        check(openapi, answer)


@pytest.mark.django_db
def test_legacy_push_answers_match_the_description(client, openapi):
    connection = EvotorConnectionFactory(evotor_user_id="01-000000000000503", token="cloud")
    path = "/api/v1/inventories/stores/20240101-AAAA-4000-8000-000000000001/products"
    token = {"HTTP_AUTHORIZATION": f"Bearer {api_token_for(connection.evotor_user_id)}"}
    assert check(openapi, post_json(client, path, [{"uuid": "p1"}], **token)).status_code == 200
    assert check(openapi, post_json(client, path, [{"uuid": "p1"}])).status_code == 401


@pytest.mark.django_db
def test_health_and_page_json_match_the_description(client, openapi, merchant_client):
    assert check(openapi, client.get("/health")).status_code in (200, 503)
    merchant, page_client = merchant_client
    assert check(openapi, page_client.get("/sync/progress")).json() == {"run": None}
    assert check(openapi, page_client.post("/connections/evotor/test")).status_code == 400
    assert check(openapi, page_client.post("/connections/vk/test")).status_code == 404
    VkConnectionFactory(merchant=merchant)
    assert check(openapi, page_client.post("/connections/vk/test")).status_code == 200


@pytest.fixture
def merchant_client(client):
    from accounts.tests.factories import UserFactory

    merchant = UserFactory()
    client.force_login(merchant)
    return merchant, client


def test_the_description_is_in_the_repository():
    assert SPEC.is_file() and SPEC.is_relative_to(Path(settings.BASE_DIR))
