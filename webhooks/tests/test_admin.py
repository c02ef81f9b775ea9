"""Staff read what Evotor told us in the admin; the records are Evotor's word, so nobody adds or edits them there."""

import pytest

from accounts.tests.factories import UserFactory
from webhooks.tests.factories import EvotorSubscriptionFactory, WebhookEventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(staff=True, is_superuser=True))
    return client


def test_staff_see_events_with_their_evotor_user_and_whether_they_were_applied(staff_client):
    WebhookEventFactory(evotor_user_id="01-000000000000042", event_type="SubscriptionRenewed")
    WebhookEventFactory(applied=False, note="пришло позже более нового события: записано, не применено")

    page = staff_client.get("/admin/webhooks/webhookevent/").content.decode()

    assert "01-000000000000042" in page and "SubscriptionRenewed" in page
    assert "пришло позже более нового события" in page


def test_staff_see_subscriptions_by_user(staff_client):
    EvotorSubscriptionFactory(evotor_user_id="01-000000000000043", status="SubscriptionTerminated")

    page = staff_client.get("/admin/webhooks/evotorsubscription/", {"q": "01-000000000000043"}).content.decode()

    assert "SubscriptionTerminated" in page


@pytest.mark.parametrize(
    ("made_by", "path", "field"),
    [(WebhookEventFactory, "webhookevent", "event_type"), (EvotorSubscriptionFactory, "evotorsubscription", "status")],
)
def test_records_cannot_be_added_and_are_shown_read_only(staff_client, made_by, path, field):
    row = made_by()

    page = staff_client.get(f"/admin/webhooks/{path}/{row.pk}/change/").content.decode()

    assert staff_client.get(f"/admin/webhooks/{path}/add/").status_code == 403
    assert getattr(row, field) in page and f'name="{field}"' not in page
