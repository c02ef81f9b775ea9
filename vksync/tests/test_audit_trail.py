"""What vksync writes to the audit trail: sync settings changed (before → after), the first plan and a brake stop
confirmed, runs started by hand (not the scheduled ones)."""

import pytest

from audit.models import AuditEvent, Event
from vksync import triggers
from vksync.models import SyncRun
from vksync.tests.factories import SyncRunFactory, SyncSettingsFactory
from vksync.tests.helpers import SETTINGS_FORM

pytestmark = pytest.mark.django_db


def events(event):
    return list(AuditEvent.objects.filter(event=event))


def test_changed_sync_settings_are_recorded_before_and_after(client, merchant):
    SyncSettingsFactory(merchant=merchant)

    response = client.post("/sync/settings", {**SETTINGS_FORM, "markup_percent": "15"})

    assert response.status_code == 302
    [changed] = events(Event.SYNC_SETTINGS_CHANGED)
    rows = {what: (before, after) for what, before, after in changed.before_after()}
    assert rows["наценка, %"] == ("0.00", "15.00") or rows["наценка, %"][1].startswith("15")
    assert changed.actor_id == merchant.pk and changed.merchant_id == merchant.pk


def test_confirming_the_first_plan_and_a_brake_stop_are_told_apart(merchant):
    SyncSettingsFactory(merchant=merchant)
    triggers.confirm_plan(merchant=merchant)
    assert [e.merchant_id for e in events(Event.FIRST_PLAN_CONFIRMED)] == [merchant.pk]

    SyncRun.objects.filter(merchant=merchant).update(status=SyncRun.Status.DONE)
    triggers.confirm_plan(merchant=merchant)
    assert [e.merchant_id for e in events(Event.BRAKE_CONFIRMED)] == [merchant.pk]


def test_runs_started_by_hand_are_recorded_and_scheduled_ones_are_not(client, merchant):
    SyncSettingsFactory(merchant=merchant)
    triggers.request_sync(merchant=merchant, trigger=SyncRun.Trigger.SCHEDULE)
    assert not events(Event.SYNC_STARTED)
    SyncRun.objects.all().delete()

    run = triggers.request_sync(merchant=merchant, trigger=SyncRun.Trigger.MANUAL)

    [started] = events(Event.SYNC_STARTED)
    assert started.object_pk == str(run.pk) and "Синхронизировать сейчас" in started.summary


def test_a_run_asked_for_from_the_admin_names_the_staff_member(client, merchant):
    from accounts.tests.factories import UserFactory

    staff = UserFactory(staff=True, is_superuser=True)
    run = SyncRunFactory(merchant=merchant, status=SyncRun.Status.DONE)
    client.force_login(staff)

    client.post("/admin/vksync/syncrun/", {"action": "run_sync_now", "_selected_action": [run.pk]})

    [started] = events(Event.SYNC_STARTED)
    assert started.actor_email == staff.email and started.merchant_id == merchant.pk
