"""Staff's admin for sync runs, the settings page's VK categories, and the lock without Redis."""

from django.urls import reverse

from accounts.tests.factories import StaffFactory, UserFactory
from vksync import runs
from vksync.models import SyncItemError, SyncRun, SyncSettings
from vksync.tests.factories import VkConnectionFactory


def test_admin_lists_runs_of_every_merchant_and_runs_sync_now(client, db, django_capture_on_commit_callbacks):
    client.force_login(StaffFactory(is_superuser=True))
    first, second = UserFactory(), UserFactory()
    for merchant in (first, second):
        run = SyncRun.objects.create(merchant=merchant, status=SyncRun.Status.FAILED, error="VK не ответил")
        SyncItemError.objects.create(run=run, merchant=merchant, operation="create", code=100, reason="Плохо")
    page = client.get(reverse("admin:vksync_syncrun_changelist")).content.decode()
    assert first.email in page and second.email in page
    assert client.get(reverse("admin:vksync_syncitemerror_changelist")).status_code == 200
    ids = list(SyncRun.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("admin:vksync_syncrun_changelist"), {"action": "run_sync_now", "_selected_action": ids}
        )
    assert response.status_code == 302
    assert len(callbacks) == 2
    assert SyncRun.objects.filter(trigger=SyncRun.Trigger.ADMIN, status=SyncRun.Status.QUEUED).count() == 2


def test_settings_page_offers_vk_categories(client, vk_emulator, db):
    merchant = UserFactory()
    VkConnectionFactory(merchant=merchant)
    client.force_login(merchant)
    from django.core.cache import cache

    cache.delete("vksync:categories")
    page = client.get(reverse("sync_settings")).content.decode()
    assert "Разное" in page and "Напитки" in page
    assert SyncSettings.objects.filter(merchant=merchant).exists()


def test_sync_lock_falls_back_to_the_database_when_redis_is_down(db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    merchant = UserFactory()
    with runs.merchant_sync_lock(merchant) as acquired:
        assert acquired is True
    run = SyncRun.objects.create(merchant=merchant)
    assert runs.claim(run)
    second = SyncRun.objects.create(merchant=merchant)
    assert not runs.claim(second)  # the database still keeps one run at a time
