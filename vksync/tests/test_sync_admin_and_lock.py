"""Staff's admin for sync runs, the settings page's VK categories, and the lock without Redis."""

from django.urls import reverse

from accounts.tests.factories import UserFactory
from connections.tests.factories import VkConnectionFactory
from vksync import runs
from vksync.models import SyncRun, SyncSettings
from vksync.tests.factories import SyncItemErrorFactory, SyncRunFactory


def test_admin_lists_runs_of_every_merchant_and_runs_sync_now(client, db, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(staff=True, is_superuser=True))
    first, second = UserFactory(), UserFactory()
    for merchant in (first, second):
        SyncItemErrorFactory(run=SyncRunFactory(merchant=merchant, status=SyncRun.Status.FAILED, error="VK не ответил"))
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


def test_settings_page_offers_vk_categories(client, merchant, vk_emulator):
    VkConnectionFactory(merchant=merchant)
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
    assert runs.claim(SyncRunFactory(merchant=merchant))
    second = SyncRunFactory(merchant=merchant)
    assert not runs.claim(second)  # the database still keeps one run at a time
