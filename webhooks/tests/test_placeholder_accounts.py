"""Accounts Evotor makes without an email get a placeholder address: one per userId, taken back when its
link was deleted, and never mailed."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from connections.models import EvotorConnection
from webhooks.services import placeholder_email

pytestmark = pytest.mark.django_db
SECRET = "test-webhook-secret"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.EVOTOR_WEBHOOK_SECRET = SECRET


def create(body):
    return Client(raise_request_exception=False).post(
        "/user/create", data=json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {SECRET}"
    )


def test_placeholders_differ_for_user_ids_that_differ_only_in_case_or_underscores():
    ids = ["01-abc", "01-ABC", "01-aBc", "01_abc", "01__abc", "01-_abc"]
    addresses = [placeholder_email(user_id) for user_id in ids]
    assert len({address.lower() for address in addresses}) == len(ids)
    assert placeholder_email("01-000000000000001") == "evotor-01-000000000000001@evotor.evosync.local"  # as before


def test_an_account_whose_link_was_deleted_is_taken_back():
    assert create({"userId": "01-77"}).status_code == 200
    merchant = EvotorConnection.objects.get(evotor_user_id="01-77").merchant
    EvotorConnection.objects.all().delete()  # staff deleted the connection in the admin
    response = create({"userId": "01-77"})
    assert response.status_code == 200
    assert EvotorConnection.objects.get(evotor_user_id="01-77").merchant == merchant
    assert get_user_model().objects.count() == 1
    assert mail.outbox == []


def test_user_ids_differing_in_case_each_get_an_answer_not_a_500():
    answers = [create({"userId": user_id}) for user_id in ["01-Ab", "01-aB", "01-ab"]]
    assert all(answer.status_code == 200 for answer in answers), [a.content for a in answers]
