"""The guided start (/start): a new merchant goes from nothing to a synced VK shop, through the emulators,
with every step saying what is missing; and the start's pieces on their own."""

import pytest
from django.urls import reverse

from catalog.models import Store
from connections.tests.factories import EvotorConnectionFactory, VkConnectionFactory
from emulators.vk.fixtures import TEST_GROUP_ID, TEST_TOKEN
from vksync.models import SyncRun
from vksync.setup import NO_STORE_PUBLISHED, VK_MISSING
from vksync.tests.factories import SyncRunFactory
from vksync.tests.helpers import live_items


def page(client, url="/start") -> str:
    return client.get(url).content.decode()


def test_a_new_merchant_goes_from_login_to_a_synced_shop_through_the_start(
    client, merchant, evotor_emulator, vk_emulator, settings, django_capture_on_commit_callbacks
):
    settings.VK_WEB_URL = "https://vk.example"
    ids = evotor_emulator.add_merchant(token="start-token", stores=2, groups=3, products=30, image_share=0)
    assert client.get("/home")["Location"] == "/start"
    text = page(client)
    assert 'href="/start" aria-current="page">Начало</a>' in text  # the menu leads here until the start is done
    assert "Эвотор не подключён" in text and "Проверить и подключить" in text

    # 1. Evotor: a wrong token is refused at once, the right one is checked, saved and the catalog read.
    response = client.post("/connections/evotor", {"token": "wrong", "next": "/start"}, follow=True)
    assert "Эвотор не принял токен (401)" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/connections/evotor", {"token": "start-token", "next": "/start"}, follow=True)
    text = response.content.decode()
    assert "Токен Эвотора работает и сохранён (магазинов: 2)" in text
    assert 'Эвотор <span class="good">— подключён ✓' in text and VK_MISSING in text

    # 2. VK: token and community, checked before saving; nothing to plan yet (no store chosen).
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/connections/vk", {"access_token": TEST_TOKEN, "community": "evoshop", "next": "/start"})
    text = page(client)
    assert "«Чайная лавка» подключено ✓" in text and NO_STORE_PUBLISHED in text
    assert not SyncRun.objects.filter(merchant=merchant).exists()

    # 3. The choice: publishing a store reads its pictures and computes the first plan by itself.
    store = Store.objects.get(merchant=merchant, evotor_id=ids["stores"][0])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("catalog-store-toggle", args=[store.pk]), {"enabled": "1", "next": "/start"})
    plan_run = SyncRun.objects.get(merchant=merchant)
    assert plan_run.status == SyncRun.Status.NEEDS_CONFIRMATION
    assert live_items(shop_of(vk_emulator)) == []  # a plan changes nothing in VK

    # 4. The plan, explained, and one button.
    text = page(client)
    plan = plan_run.plan_summary
    assert f'создадим в VK <strong id="plan-create">{plan["create"]}</strong>' in text
    assert plan["create"] == plan["count"]["to_vk"] > 0
    assert "Подтвердить и синхронизировать" in text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("start_confirm"), follow=True)
    assert "Синхронизация идёт" in response.content.decode()  # the page as it was before the worker ran

    # 5. Done: the items are in VK, with the link to the community's shop; the menu forgets the start.
    text = page(client)
    assert "Готово: товары в VK." in text
    assert f'href="https://vk.example/market-{TEST_GROUP_ID}"' in text
    visible = [item for item in live_items(shop_of(vk_emulator)) if not item.hidden]
    assert len(visible) == plan["create"]
    assert ">Начало</a>" not in page(client, "/sync")
    assert client.get("/home")["Location"] == "/sync"


def shop_of(vk_emulator):
    from types import SimpleNamespace

    return SimpleNamespace(vk=vk_emulator, group_id=TEST_GROUP_ID)


def test_the_plan_step_shows_what_is_computing_and_the_sync_step_its_progress(client, merchant, evotor_emulator):
    evotor_emulator.add_merchant(token="tok-p", stores=1, groups=1, products=3)
    EvotorConnectionFactory(merchant=merchant, token="tok-p", status="ok")
    VkConnectionFactory(merchant=merchant)
    from catalog.services import refresh_catalog

    refresh_catalog(merchant=merchant)
    Store.objects.filter(merchant=merchant).update(sync_enabled=True)
    text = page(client)
    assert "Посчитать план сейчас" in text and 'id="start-wait"' in text
    SyncRunFactory(merchant=merchant, status=SyncRun.Status.RUNNING, trigger=SyncRun.Trigger.REFRESH)
    text = page(client)
    assert "Считаем план" in text and 'data-active="true"' in text
    SyncRunFactory(
        merchant=merchant,
        status=SyncRun.Status.RUNNING,
        trigger=SyncRun.Trigger.CONFIRM,
        progress={"items": {"done": 1, "total": 3}},
    )
    text = page(client)
    assert "Синхронизация идёт" in text and "Товары: 1 / 3" in text


def test_a_failed_plan_says_why_and_offers_to_try_again(client, merchant, evotor_emulator):
    evotor_emulator.add_merchant(token="tok-f", stores=1, groups=1, products=3)
    EvotorConnectionFactory(merchant=merchant, token="tok-f", status="ok")
    VkConnectionFactory(merchant=merchant)
    from catalog.services import refresh_catalog

    refresh_catalog(merchant=merchant)
    Store.objects.filter(merchant=merchant).update(sync_enabled=True)
    SyncRunFactory(merchant=merchant, status=SyncRun.Status.FAILED, error="VK временно недоступен: 10")
    text = page(client)
    assert "Последняя попытка не удалась: VK временно недоступен: 10" in text and "Посчитать план сейчас" in text


def test_confirm_without_a_plan_runs_nothing(client, merchant, django_capture_on_commit_callbacks):
    EvotorConnectionFactory(merchant=merchant, status="ok")
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("start_confirm"), follow=True)
    assert "Синхронизация не запущена" in response.content.decode()
    assert not SyncRun.objects.filter(merchant=merchant).exists()


@pytest.mark.parametrize("url", ["/start", "/home"])
def test_start_needs_login(client, db, url):
    assert client.get(url)["Location"].startswith("/login")


def test_start_plan_and_confirm_need_post(client, merchant):
    assert client.get(reverse("start_plan")).status_code == 405
    assert client.get(reverse("start_confirm")).status_code == 405
