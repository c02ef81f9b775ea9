"""The merchant's sync lock and its run's liveness are one truth, and a refused sync never storms the queue."""

import time

import pytest
from celery.exceptions import Retry
from celery.signals import task_prerun
from django.utils import timezone

from core.locks import renewable_lock
from vksync import runs
from vksync.models import SyncRun
from vksync.tasks import refused_delay, sync_merchant


def test_a_killed_workers_lock_lapses_when_its_run_goes_stale(db, settings):
    settings.SYNC_STALE_SECONDS = 1
    from accounts.tests.factories import UserFactory

    merchant = UserFactory()
    run = SyncRun.objects.create(merchant=merchant, status=SyncRun.Status.QUEUED)
    with runs.merchant_sync_lock(merchant, run) as acquired:
        assert acquired
        for _ in range(3):  # a live run: every heartbeat renews the lock past its 1 s lifetime
            time.sleep(0.5)
            runs.heartbeat(run)
        with runs.merchant_sync_lock(merchant) as second:
            assert not second
    killed = renewable_lock("vk-sync", merchant.pk, timeout=settings.SYNC_STALE_SECONDS)
    assert killed.acquire()  # a worker takes the lock and dies: nobody renews or releases it
    time.sleep(1.2)
    with runs.merchant_sync_lock(merchant) as after_stale:
        assert after_stale  # free once its run would be stale, not SYNC_LOCK_SECONDS (900 s) later


def test_refused_sync_behind_a_dead_workers_lock_comes_back_later_instead_of_queueing_at_once(
    shop, settings, django_capture_on_commit_callbacks
):
    """Bug: each refused trigger re-queued the next at once — thousands of tasks and runs a minute."""
    settings.SYNC_STALE_SECONDS = 60
    stale = timezone.now() - timezone.timedelta(seconds=120)
    SyncRun.objects.create(merchant=shop.merchant, status=SyncRun.Status.RUNNING, heartbeat_at=stale)
    lingering = renewable_lock("vk-sync", shop.merchant.pk, timeout=60)
    assert lingering.acquire()  # the killed worker's lock has not lapsed yet
    calls = []

    def count(sender=None, **kwargs):
        if sender.name == sync_merchant.name:
            calls.append(kwargs.get("task_id"))

    task_prerun.connect(count, weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(Retry) as retried:
            sync_merchant.delay(merchant_id=shop.merchant.pk)
    finally:
        task_prerun.disconnect(count)
        lingering.release()
    assert len(calls) == 1  # nothing queued at once (Celery runs eager retries no further: the delay is read)
    assert retried.value.when == refused_delay(0) == 15  # it comes back later, and later each time
    assert SyncRun.objects.filter(merchant=shop.merchant).count() == 1  # only the dead run: no row per attempt


def test_refused_sync_waits_longer_each_time_but_never_past_the_stale_time(settings):
    settings.SYNC_STALE_SECONDS = 300
    delays = [refused_delay(n) for n in range(8)]
    assert delays == sorted(delays) and delays[0] == 15 and delays[1] == 30
    assert max(delays) == 300


def test_refused_sync_behind_a_live_run_leaves_the_follow_up_to_it(shop, django_capture_on_commit_callbacks):
    live = SyncRun.objects.create(
        merchant=shop.merchant, status=SyncRun.Status.RUNNING, heartbeat_at=timezone.now(), started_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_merchant.delay(merchant_id=shop.merchant.pk).get() is None
    assert list(SyncRun.objects.filter(merchant=shop.merchant)) == [live]
    assert shop.merchant.sync_settings.__class__.objects.get(merchant=shop.merchant).dirty  # the live run follows up
