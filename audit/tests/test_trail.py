"""The trail itself: secrets never stored, retention and its beat task, the admin's read-only filtered list."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from audit.masking import HIDDEN, scrub
from audit.models import AuditEvent, Event
from audit.services import prune, record
from audit.tests.factories import AuditEventFactory
from evosync.schedules import declared_tasks

pytestmark = pytest.mark.django_db

SECRET = "vk1.a.THIS-IS-A-SECRET-TOKEN-0123456789"


def test_explicit_changes_keyed_by_a_secret_are_hidden_whole():
    record(event=Event.CONNECTION_SAVED, changes={"access_token": ["", SECRET], "токен облака": [SECRET, ""]})

    stored = AuditEvent.objects.get().changes
    assert stored == {"access_token": ["", HIDDEN], "токен облака": [HIDDEN, ""]}
    assert scrub({"группа": ["a", "b"]}) == {"группа": ["a", "b"]}


def test_prune_deletes_only_what_is_older_than_the_retention(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    old = AuditEventFactory(timestamp=timezone.now() - timedelta(days=31))
    kept = AuditEventFactory(timestamp=timezone.now() - timedelta(days=29))

    assert prune() == 1
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not AuditEvent.objects.filter(pk=old.pk).exists()


def test_retention_defaults_to_a_year_and_a_daily_beat_prunes():
    from django.conf import settings

    assert settings.AUDIT_RETENTION_DAYS == 365
    spec = next(spec for spec in declared_tasks() if spec.task == "audit.prune_audit_trail")
    assert spec.every_seconds == 24 * 3600


def test_staff_filter_the_trail_by_merchant_actor_event_and_date_and_cannot_change_it(client):
    staff = UserFactory(staff=True, is_superuser=True)
    AuditEventFactory(event=Event.LOGIN, merchant_email="tea@example.com", actor_email="tea@example.com")
    AuditEventFactory(event=Event.LOGIN_FAILED, merchant_email="coffee@example.com")
    client.force_login(staff)

    def shown(query):
        page = client.get(f"/admin/audit/auditevent/?{query}")
        assert page.status_code == 200
        return {event.merchant_email for event in page.context["cl"].result_list}

    assert shown("merchant_email=tea") == {"tea@example.com"}
    assert shown("actor_email=tea@example.com") == {"tea@example.com"}
    assert shown("event__exact=login_failed") == {"coffee@example.com"}
    today = timezone.localdate()
    assert "tea@example.com" in shown(
        f"timestamp__year={today.year}&timestamp__month={today.month}&timestamp__day={today.day}"
    )
    page = client.get("/admin/audit/auditevent/").content.decode()
    assert "События журнала" in page or "события журнала" in page
    event = AuditEvent.objects.first()
    assert client.post(f"/admin/audit/auditevent/{event.pk}/change/", {}).status_code == 403
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
