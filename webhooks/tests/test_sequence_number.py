"""A subscription event's sequenceNumber in Unicode digits or out of range is Evotor's error 2003, never a 500."""

import json

import pytest

pytestmark = pytest.mark.django_db
SECRET = "test-webhook-secret"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.EVOTOR_WEBHOOK_SECRET = SECRET


def event(sequence):
    return {"subscriptionId": "s-1", "userId": "01-1", "type": "SubscriptionCreated", "sequenceNumber": sequence}


def post(client, body):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {SECRET}"}
    return client.post("/subscription/event", data=json.dumps(body), content_type="application/json", **headers)


@pytest.mark.parametrize("sequence", ["²", "¹²³", "١٢٣", "-1", -1, 2**63, "9" * 40, 10**30, 1.5, True])
def test_a_sequence_number_that_is_not_one_is_2003(client, sequence):
    response = post(client, event(sequence))
    assert response.status_code == 400
    assert [error["code"] for error in response.json()["errors"]] == [2003]


@pytest.mark.parametrize("sequence", [7, "7", 2**63 - 1])
def test_a_sequence_number_in_ascii_digits_is_taken(client, sequence):
    assert post(client, event(sequence)).status_code == 200
