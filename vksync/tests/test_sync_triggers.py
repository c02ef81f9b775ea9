"""How syncs are started: one at a time per merchant, a trigger during a run gives exactly one more."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from connections.signals import catalog_changed
from evosync.schedules import declared_tasks
from vksync import sync_services
from vksync.sync_models import SyncRun, SyncSettings
from vksync.sync_tasks import sync_all_shops, sync_merchant
from vksync.tests.helpers import live_items


def test_sync_now_queues_one_run_and_the_task_runs_it(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = sync_services.request_sync(merchant=shop.merchant, trigger=SyncRun.Trigger.MANUAL)
    run.refresh_from_db()
    assert run.status == SyncRun.Status.DONE
    assert len(live_items(shop)) == run.created > 0


def test_triggers_while_queued_do_not_pile_up(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = sync_services.request_sync(merchant=shop.merchant, trigger=SyncRun.Trigger.WEBHOOK)
        second = sync_services.request_sync(merchant=shop.merchant, trigger=SyncRun.Trigger.WEBHOOK)
    assert first == second
    assert len(callbacks) == 1
    assert SyncRun.objects.filter(merchant=shop.merchant).count() == 1


def test_trigger_during_a_run_marks_dirty_and_exactly_one_more_run_follows(shop, django_capture_on_commit_callbacks):
    running = SyncRun.objects.create(
        merchant=shop.merchant, status=SyncRun.Status.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    assert sync_services.request_sync(merchant=shop.merchant, trigger=SyncRun.Trigger.WEBHOOK) is None
    assert sync_services.request_sync(merchant=shop.merchant, trigger=SyncRun.Trigger.WEBHOOK) is None
    assert sync_services.run_sync(merchant=shop.merchant) is None  # the database claim refuses a second run
    assert SyncSettings.objects.get(merchant=shop.merchant).dirty

    SyncRun.objects.filter(pk=running.pk).update(status=SyncRun.Status.DONE)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        follow_up = sync_services.run_pending(merchant=shop.merchant)
    assert len(callbacks) == 1
    follow_up.refresh_from_db()
    assert follow_up.status == SyncRun.Status.DONE
    assert not SyncSettings.objects.get(merchant=shop.merchant).dirty
    assert sync_services.run_pending(merchant=shop.merchant) is None  # only one


def test_run_left_running_by_a_dead_worker_is_closed_by_the_next(shop, settings, django_capture_on_commit_callbacks):
    settings.SYNC_STALE_SECONDS = 60
    stale = timezone.now() - timezone.timedelta(seconds=120)
    dead = SyncRun.objects.create(merchant=shop.merchant, status=SyncRun.Status.RUNNING, heartbeat_at=stale)
    with django_capture_on_commit_callbacks(execute=True):
        run = sync_services.request_sync(merchant=shop.merchant, trigger=SyncRun.Trigger.MANUAL)
    assert run is not None  # the dead run does not swallow the trigger
    run.refresh_from_db()
    assert run.status == SyncRun.Status.DONE
    dead.refresh_from_db()
    assert dead.status == SyncRun.Status.FAILED and "Прервано" in dead.error


def test_catalog_change_signal_queues_a_debounced_sync(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for _ in range(5):
            catalog_changed.send(sender=None, merchant=shop.merchant, trigger="webhook")
    assert len(callbacks) == 1
    run = SyncRun.objects.get(merchant=shop.merchant)
    assert run.trigger == SyncRun.Trigger.WEBHOOK and run.status == SyncRun.Status.QUEUED


def test_catalog_refresh_triggers_a_sync(shop, django_capture_on_commit_callbacks):
    from catalog.services import refresh_catalog

    with django_capture_on_commit_callbacks(execute=True):
        refresh_catalog(merchant=shop.merchant)
    run = SyncRun.objects.get(merchant=shop.merchant)
    assert run.trigger == SyncRun.Trigger.REFRESH
    assert run.status == SyncRun.Status.DONE


def test_no_sync_is_queued_while_sync_is_off(shop, django_capture_on_commit_callbacks):
    SyncSettings.objects.filter(merchant=shop.merchant).update(enabled=False)
    catalog_changed.send(sender=None, merchant=shop.merchant, trigger="refresh")
    assert not SyncRun.objects.filter(merchant=shop.merchant).exists()


def test_beat_task_syncs_every_enabled_shop(shop, django_capture_on_commit_callbacks):
    assert "vksync.sync_all_shops" in {spec.task for spec in declared_tasks()}
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_all_shops.delay().get() == 1
    assert SyncRun.objects.get(merchant=shop.merchant).status == SyncRun.Status.DONE


def test_redelivered_task_of_a_finished_run_does_nothing(shop):
    run = sync_services.run_sync(merchant=shop.merchant)
    assert sync_merchant.delay(merchant_id=shop.merchant.pk, run_id=run.pk).get() is None
    assert SyncRun.objects.filter(merchant=shop.merchant).count() == 1


def test_confirm_plan_switches_sync_on_and_runs_past_the_brake(shop, django_capture_on_commit_callbacks):
    SyncSettings.objects.filter(merchant=shop.merchant).update(enabled=False)
    waiting = sync_services.run_sync(merchant=shop.merchant)
    assert waiting.status == SyncRun.Status.NEEDS_CONFIRMATION
    with django_capture_on_commit_callbacks(execute=True):
        run = sync_services.confirm_plan(merchant=shop.merchant)
    run.refresh_from_db()
    assert run.status == SyncRun.Status.DONE and run.created > 0
    assert SyncSettings.objects.get(merchant=shop.merchant).enabled


def test_command_dry_run_prints_the_plan(shop):
    out = StringIO()
    call_command("sync_vk", "--user", shop.merchant.email, "--dry-run", stdout=out)
    assert "to create" in out.getvalue()
    assert live_items(shop) == []


def test_command_all_syncs_enabled_shops(shop):
    out = StringIO()
    call_command("sync_vk", "--all", stdout=out)
    assert "created" in out.getvalue()
    assert live_items(shop)


def test_command_unknown_user_fails(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("sync_vk", "--user", "nobody@example.com")


def test_transient_vk_failure_makes_the_task_retry(shop, settings):
    from celery.exceptions import Retry

    settings.VK_MAX_RETRIES = 0
    shop.vk.http_error_next(502, times=1)
    with pytest.raises(Retry):
        sync_merchant.delay(merchant_id=shop.merchant.pk)
    run = SyncRun.objects.get(merchant=shop.merchant)
    assert run.status == SyncRun.Status.FAILED
    assert run.error.startswith(sync_services.TRANSIENT_FAILURE)


def test_permanent_failure_is_not_retried(shop):
    shop.vk.revoke_token("vk-test-user-token")
    assert sync_merchant.delay(merchant_id=shop.merchant.pk).get()
    assert SyncRun.objects.get(merchant=shop.merchant).status == SyncRun.Status.FAILED
