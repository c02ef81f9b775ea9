"""How syncs are started: one at a time per merchant, a trigger during a run gives exactly one more."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.signals import catalog_changed
from evosync.schedules import declared_tasks
from vksync import engine, triggers
from vksync.models import SyncRun, SyncSettings
from vksync.tasks import sync_all_shops, sync_merchant
from vksync.tests.factories import SyncRunFactory
from vksync.tests.helpers import live_items


def test_sync_now_queues_one_run_and_the_task_runs_it(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = triggers.request_sync(merchant=shop.merchant, trigger=SyncRun.Trigger.MANUAL)
    run.refresh_from_db()
    assert run.status == SyncRun.Status.DONE
    assert len(live_items(shop)) == run.created > 0


def test_triggers_while_queued_do_not_pile_up(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = triggers.request_sync(merchant=shop.merchant, trigger=SyncRun.Trigger.WEBHOOK)
        second = triggers.request_sync(merchant=shop.merchant, trigger=SyncRun.Trigger.WEBHOOK)
    assert first == second
    assert len(callbacks) == 1
    assert SyncRun.objects.filter(merchant=shop.merchant).count() == 1


def test_trigger_during_a_run_marks_dirty_and_exactly_one_more_run_follows(shop, django_capture_on_commit_callbacks):
    running = SyncRunFactory(
        merchant=shop.merchant, status=SyncRun.Status.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    assert triggers.request_sync(merchant=shop.merchant, trigger=SyncRun.Trigger.WEBHOOK) is None
    assert triggers.request_sync(merchant=shop.merchant, trigger=SyncRun.Trigger.WEBHOOK) is None
    assert engine.run_sync(merchant=shop.merchant) is None  # the database claim refuses a second run
    assert SyncSettings.objects.get(merchant=shop.merchant).dirty

    SyncRun.objects.filter(pk=running.pk).update(status=SyncRun.Status.DONE)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        follow_up = triggers.run_pending(merchant=shop.merchant)
    assert len(callbacks) == 1
    follow_up.refresh_from_db()
    assert follow_up.status == SyncRun.Status.DONE
    assert not SyncSettings.objects.get(merchant=shop.merchant).dirty
    assert triggers.run_pending(merchant=shop.merchant) is None  # only one


def test_run_left_running_by_a_dead_worker_is_closed_by_the_next(shop, settings, django_capture_on_commit_callbacks):
    settings.SYNC_STALE_SECONDS = 60
    stale = timezone.now() - timezone.timedelta(seconds=120)
    dead = SyncRunFactory(merchant=shop.merchant, status=SyncRun.Status.RUNNING, heartbeat_at=stale)
    with django_capture_on_commit_callbacks(execute=True):
        run = triggers.request_sync(merchant=shop.merchant, trigger=SyncRun.Trigger.MANUAL)
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


def test_no_sync_is_queued_once_the_merchant_switched_the_sync_off(shop, django_capture_on_commit_callbacks):
    SyncRunFactory(merchant=shop.merchant, status=SyncRun.Status.DONE)  # the first sync went through before
    SyncSettings.objects.filter(merchant=shop.merchant).update(enabled=False)
    catalog_changed.send(sender=None, merchant=shop.merchant, trigger="refresh")
    assert SyncRun.objects.filter(merchant=shop.merchant).count() == 1


def test_before_the_first_sync_choosing_a_store_computes_the_plan_and_stops_for_confirmation(
    shop, django_capture_on_commit_callbacks
):
    from catalog.models import Store
    from catalog.services import set_store_sync

    SyncSettings.objects.filter(merchant=shop.merchant).update(enabled=False)
    store = Store.objects.filter(merchant=shop.merchant).first()
    Store.objects.filter(pk=store.pk).update(sync_enabled=False)
    store.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        set_store_sync(store=store, enabled=True)
    run = SyncRun.objects.get(merchant=shop.merchant)
    assert run.status == SyncRun.Status.NEEDS_CONFIRMATION
    assert run.plan_summary["create"] > 20 and run.plan_summary["count"]["to_vk"] == run.plan_summary["create"]
    assert live_items(shop) == []  # nothing reached VK

    # The catalog moves while the plan waits: the plan is computed again, the old one replaced.
    with django_capture_on_commit_callbacks(execute=True):
        catalog_changed.send(sender=None, merchant=shop.merchant, trigger="refresh")
    statuses = list(SyncRun.objects.filter(merchant=shop.merchant).values_list("status", "trigger"))
    assert statuses == [
        (SyncRun.Status.NEEDS_CONFIRMATION, SyncRun.Trigger.REFRESH),
        (SyncRun.Status.STOPPED, SyncRun.Trigger.MANUAL),
    ]


def test_a_catalog_refresh_alone_asks_for_no_plan(shop, django_capture_on_commit_callbacks):
    """A merchant who never chose anything through the pages (nor connected VK through them) is not planned for."""
    SyncSettings.objects.filter(merchant=shop.merchant).update(enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        catalog_changed.send(sender=None, merchant=shop.merchant, trigger="refresh")
    assert not SyncRun.objects.filter(merchant=shop.merchant).exists()


def test_nothing_is_planned_while_something_is_missing(shop, django_capture_on_commit_callbacks):
    from catalog.models import Store
    from catalog.services import set_store_sync
    from connections.models import VkConnection

    SyncSettings.objects.filter(merchant=shop.merchant).update(enabled=False)
    VkConnection.objects.filter(merchant=shop.merchant).delete()
    store = Store.objects.filter(merchant=shop.merchant).first()
    with django_capture_on_commit_callbacks(execute=True):
        set_store_sync(store=store, enabled=False)
        set_store_sync(store=store, enabled=True)
    assert not SyncRun.objects.filter(merchant=shop.merchant).exists()


def test_catalog_refresh_sync_is_debounced_like_a_webhook(shop, settings, django_capture_on_commit_callbacks):
    """Bug: the debounce applied to "webhook" only, but a refresh (the only sender) says "refresh"."""
    from unittest import mock

    settings.SYNC_DEBOUNCE_SECONDS = 45
    # Only Celery's queueing is replaced (a countdown is not waited for in tests); our code runs as it is.
    with mock.patch.object(sync_merchant, "apply_async") as queued, django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            catalog_changed.send(sender=None, merchant=shop.merchant, trigger="refresh")
    assert queued.call_count == 1
    assert queued.call_args.kwargs["countdown"] == 45
    assert SyncRun.objects.get(merchant=shop.merchant).trigger == SyncRun.Trigger.REFRESH


def test_follow_up_run_carries_the_trigger_that_asked_for_it(shop, django_capture_on_commit_callbacks):
    """Bug: every follow-up run was labelled "webhook"."""
    running = SyncRunFactory(
        merchant=shop.merchant, status=SyncRun.Status.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    assert triggers.request_sync(merchant=shop.merchant, trigger=SyncRun.Trigger.MANUAL) is None
    SyncRun.objects.filter(pk=running.pk).update(status=SyncRun.Status.DONE)
    with django_capture_on_commit_callbacks(execute=False):
        follow_up = triggers.run_pending(merchant=shop.merchant)
    assert follow_up.trigger == SyncRun.Trigger.MANUAL


def test_one_sync_an_hour_follows_the_catalog_refresh_and_no_beat_syncs_again():
    """Bug: the hourly refresh's sync and the "sync every VK shop" beat gave each merchant two syncs an hour."""
    tasks = {spec.task for spec in declared_tasks()}
    assert "catalog.refresh_due_catalogs" in tasks
    assert "vksync.sync_all_shops" not in tasks


def test_retired_beat_entry_is_removed_and_renamed_tasks_follow_on_install(db):
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from evosync.schedules import install_periodic_tasks

    every = IntervalSchedule.objects.create(every=3600, period=IntervalSchedule.SECONDS)
    spread_out = "Refresh VK shops, spread over the hour and the day"
    PeriodicTask.objects.filter(name__in=["Sync every VK shop", "Refresh every VK shop", spread_out]).delete()
    PeriodicTask.objects.create(name="Sync every VK shop", task="vksync.sync_all_shops", interval=every)
    PeriodicTask.objects.create(name="Refresh every VK shop", task="vkshop.refresh_all_vk_shops", interval=every)
    PeriodicTask.objects.create(name=spread_out, task="vksync.refresh_due_vk_shops", interval=every)
    install_periodic_tasks()
    assert not PeriodicTask.objects.filter(name__in=["Sync every VK shop", "Refresh every VK shop"]).exists()
    assert PeriodicTask.objects.get(name=spread_out).task == "vkshop.refresh_due_vk_shops"


def test_sync_all_shops_task_syncs_every_enabled_shop(shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_all_shops.delay().get() == 1
    assert SyncRun.objects.get(merchant=shop.merchant).status == SyncRun.Status.DONE


def test_redelivered_task_of_a_finished_run_does_nothing(shop):
    run = engine.run_sync(merchant=shop.merchant)
    assert sync_merchant.delay(merchant_id=shop.merchant.pk, run_id=run.pk).get() is None
    assert SyncRun.objects.filter(merchant=shop.merchant).count() == 1


def test_confirm_plan_switches_sync_on_and_runs_past_the_brake(shop, django_capture_on_commit_callbacks):
    SyncSettings.objects.filter(merchant=shop.merchant).update(enabled=False)
    waiting = engine.run_sync(merchant=shop.merchant)
    assert waiting.status == SyncRun.Status.NEEDS_CONFIRMATION
    with django_capture_on_commit_callbacks(execute=True):
        run = triggers.confirm_plan(merchant=shop.merchant)
    run.refresh_from_db()
    assert run.status == SyncRun.Status.DONE and run.created > 0
    assert SyncSettings.objects.get(merchant=shop.merchant).enabled


def test_confirming_a_plan_switches_sync_on_even_before_the_merchant_has_sync_settings(
    shop, django_capture_on_commit_callbacks
):
    """The first plan can be confirmed before any run made the merchant's settings (bench-fleet's big shops): the
    switch must stay on, or the next sync stops for a confirmation again."""
    SyncSettings.objects.filter(merchant=shop.merchant).delete()
    with django_capture_on_commit_callbacks(execute=True):
        run = triggers.confirm_plan(merchant=shop.merchant)
    run.refresh_from_db()
    assert run.status == SyncRun.Status.DONE and run.created > 0
    assert SyncSettings.objects.get(merchant=shop.merchant).enabled
    later = engine.run_sync(merchant=shop.merchant, trigger=SyncRun.Trigger.REFRESH)
    assert later.status == SyncRun.Status.DONE, later.error


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


def test_command_all_skips_suspended_merchants(shop):
    """Bug: `sync_vk --all` synced suspended merchants too."""
    type(shop.merchant).objects.filter(pk=shop.merchant.pk).update(status="suspended")
    call_command("sync_vk", "--all", stdout=StringIO())
    assert live_items(shop) == []
    assert not SyncRun.objects.filter(merchant=shop.merchant).exists()


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
    assert run.error.startswith(engine.TRANSIENT_FAILURE)


def test_permanent_failure_is_not_retried(shop):
    shop.vk.revoke_token("vk-test-user-token")
    assert sync_merchant.delay(merchant_id=shop.merchant.pk).get()
    assert SyncRun.objects.get(merchant=shop.merchant).status == SyncRun.Status.FAILED
