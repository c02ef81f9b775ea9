"""«Синхронизировать сейчас» says what really happens: it refuses with the reason when the sync cannot run."""

from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.models import Store
from connections.models import EvotorConnection, VkConnection
from emulators.vk.fixtures import TEST_TOKEN
from vksync.models import SyncRun, SyncSettings
from vksync.setup import NO_STORE_PUBLISHED
from vksync.tests.helpers import live_items


@pytest.fixture
def logged_in(client, shop):
    client.force_login(shop.merchant)
    return shop


def press(client, capture) -> str:
    with capture(execute=True):
        response = client.post(reverse("sync_now"), follow=True)
    return response.content.decode()


def test_without_vk_it_refuses_and_queues_nothing(client, logged_in, django_capture_on_commit_callbacks):
    VkConnection.objects.filter(merchant=logged_in.merchant).delete()
    text = press(client, django_capture_on_commit_callbacks)
    assert "Синхронизация не запущена. VK не подключён" in text and "Синхронизация запущена" not in text
    assert not SyncRun.objects.filter(merchant=logged_in.merchant).exists()


def test_with_a_broken_vk_connection_it_refuses_with_its_reason(client, logged_in, django_capture_on_commit_callbacks):
    VkConnection.objects.filter(merchant=logged_in.merchant).update(
        status="broken", last_error="В сообществе не включены товары."
    )
    text = press(client, django_capture_on_commit_callbacks)
    assert "Синхронизация не запущена. Подключение VK не работает: В сообществе не включены товары." in text
    assert not SyncRun.objects.filter(merchant=logged_in.merchant).exists()


def test_a_revoked_vk_token_fails_the_run_once_then_the_button_says_why(
    client, logged_in, django_capture_on_commit_callbacks
):
    logged_in.vk.revoke_token(TEST_TOKEN)
    press(client, django_capture_on_commit_callbacks)
    assert SyncRun.objects.get(merchant=logged_in.merchant).status == SyncRun.Status.FAILED
    text = press(client, django_capture_on_commit_callbacks)
    assert "Синхронизация не запущена. Подключение VK не работает: VK не принимает токен" in text
    assert SyncRun.objects.filter(merchant=logged_in.merchant).count() == 1


def test_without_evotor_it_refuses(client, logged_in, django_capture_on_commit_callbacks):
    EvotorConnection.objects.filter(merchant=logged_in.merchant).delete()
    text = press(client, django_capture_on_commit_callbacks)
    assert "Синхронизация не запущена. Эвотор не подключён" in text
    assert not SyncRun.objects.filter(merchant=logged_in.merchant).exists()


def test_without_a_published_store_it_refuses(client, logged_in, django_capture_on_commit_callbacks):
    Store.objects.filter(merchant=logged_in.merchant).update(sync_enabled=False)
    text = press(client, django_capture_on_commit_callbacks)
    assert f"Синхронизация не запущена. {NO_STORE_PUBLISHED}" in text
    assert not SyncRun.objects.filter(merchant=logged_in.merchant).exists()


def test_when_it_can_run_it_runs_and_says_so(client, logged_in, django_capture_on_commit_callbacks):
    text = press(client, django_capture_on_commit_callbacks)
    assert "Синхронизация запущена" in text
    assert SyncRun.objects.get(merchant=logged_in.merchant).status == SyncRun.Status.DONE
    assert live_items(logged_in)


def test_before_the_first_plan_is_confirmed_it_computes_the_plan_and_says_so(
    client, logged_in, django_capture_on_commit_callbacks
):
    SyncSettings.objects.filter(merchant=logged_in.merchant).update(enabled=False)
    text = press(client, django_capture_on_commit_callbacks)
    assert "считаем план" in text and "Синхронизация запущена" not in text
    assert SyncRun.objects.get(merchant=logged_in.merchant).status == SyncRun.Status.NEEDS_CONFIRMATION
    assert live_items(logged_in) == []
    page = client.get(reverse("sync")).content.decode()
    assert "План ждёт подтверждения" in page and "Подтвердить и синхронизировать" in page


def test_the_sync_page_without_a_plan_offers_one_instead_of_a_dead_end(client, logged_in):
    SyncSettings.objects.filter(merchant=logged_in.merchant).update(enabled=False)
    page = client.get(reverse("sync")).content.decode()
    assert "Плана ещё нет" in page and "Посчитать план" in page and 'href="/start"' in page
    VkConnection.objects.filter(merchant=logged_in.merchant).delete()
    page = client.get(reverse("sync")).content.decode()
    assert "План пока не посчитать: VK не подключён" in page


def test_the_sync_pages_plan_button_computes_the_plan_and_comes_back(
    client, logged_in, django_capture_on_commit_callbacks
):
    SyncSettings.objects.filter(merchant=logged_in.merchant).update(enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("start_plan"), {"next": "/sync"})
    assert response["Location"] == "/sync"
    assert SyncRun.objects.get(merchant=logged_in.merchant).status == SyncRun.Status.NEEDS_CONFIRMATION
    page = client.get(reverse("sync")).content.decode()
    assert "План ждёт подтверждения" in page and "Плана ещё нет" not in page


def test_sync_now_reads_evotor_first_so_a_price_just_changed_at_the_register_reaches_vk(
    client, logged_in, django_capture_on_commit_callbacks
):
    """Found by the browser tests: the button synced the cached catalog, so a price changed a minute ago in
    Evotor stayed old in VK until the hourly refresh."""
    from vksync.engine import run_sync
    from vksync.models import ProductLink

    with django_capture_on_commit_callbacks(execute=True):
        run_sync(merchant=logged_in.merchant, trigger=SyncRun.Trigger.COMMAND)
    link = ProductLink.objects.filter(merchant=logged_in.merchant, vk_item_id__isnull=False).first()
    logged_in.evotor.update_product(logged_in.token, link.product.evotor_id, price="4321.50")
    text = press(client, django_capture_on_commit_callbacks)
    assert "Синхронизация запущена" in text
    item = logged_in.vk.shop(logged_in.group_id).items[link.vk_item_id]
    assert item.price == Decimal("4321.50")
