"""What Evotor's webhooks leave in the audit trail: a token changed by Evotor (masked), an account it created."""

import json

import pytest
from django.test import Client

from audit.models import AuditEvent, Event
from connections.tests.factories import EvotorConnectionFactory

pytestmark = pytest.mark.django_db

SECRET = "test-webhook-secret"


@pytest.fixture
def evotor(settings):
    settings.EVOTOR_WEBHOOK_SECRET = SECRET

    def call(path, body):
        return Client().post(
            path,
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {SECRET}",
            REMOTE_ADDR="185.170.204.1",
        )

    return call


def test_a_token_changed_by_evotor_is_recorded_from_evotors_address_with_the_token_hidden(evotor):
    connection = EvotorConnectionFactory(token="old-cloud-token-1234")
    AuditEvent.objects.all().delete()

    assert (
        evotor("/user/token", {"userId": connection.evotor_user_id, "token": "new-cloud-token-5678"}).status_code == 200
    )

    [changed] = AuditEvent.objects.filter(event=Event.EVOTOR_TOKEN)
    assert (changed.merchant_id, changed.actor_id, changed.remote_addr) == (
        connection.merchant_id,
        None,
        "185.170.204.1",
    )
    stored = str(list(AuditEvent.objects.values()))
    assert "old-cloud-token-1234" not in stored and "new-cloud-token-5678" not in stored


def test_an_account_evotor_creates_is_recorded(evotor):
    assert evotor("/user/create", {"userId": "01-000000000000777", "email": "new@example.com"}).status_code == 200

    [created] = AuditEvent.objects.filter(event=Event.ACCOUNT_CREATED)
    assert created.merchant_email == "new@example.com" and "Эвотор" in created.summary
