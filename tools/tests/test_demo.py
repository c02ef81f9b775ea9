"""The demo (`make run`): its accounts, and the demo merchant connected and synced through the emulators."""

import html

import pytest
import requests
from django.contrib.auth import get_user_model

from accounts.tests.factories import UserFactory
from catalog.services import refresh_catalog
from emulators.evotor.demo import DEMO_TOKEN, DEMO_USER_ID
from emulators.vk.demo import DEMO_GROUP_ID, seed_demo
from tools.demo import connect_demo_merchant, connect_evotor, ensure_demo_accounts
from vksync.models import SyncRun
from vksync.selectors import settings_for
from vksync.triggers import confirm_plan

pytestmark = pytest.mark.django_db


def test_demo_accounts_are_created_once_with_their_roles():
    first = ensure_demo_accounts()
    second = ensure_demo_accounts()
    assert first == second
    users = get_user_model().objects.order_by("email")
    assert [(u.email, u.is_staff, u.is_active, u.role) for u in users] == [
        ("admin@evosync.local", True, True, "system"),
        ("merchant@evosync.local", False, True, "user"),
    ]


def test_demo_merchant_gets_one_store_published_and_its_first_plan_waits_for_the_visitor(
    evotor_emulator, vk_emulator, django_capture_on_commit_callbacks
):
    evotor_emulator.add_merchant(token=DEMO_TOKEN, user_id=DEMO_USER_ID, seed=1, stores=2, groups=3, products=20)
    seed_demo(vk_emulator)
    ensure_demo_accounts()
    with django_capture_on_commit_callbacks(execute=True):
        message = connect_demo_merchant()
    assert "published" in message and "waits for confirmation" in message
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.NEEDS_CONFIRMATION, run.error
    assert run.plan_summary["create"] > 0
    assert not settings_for(run.merchant).enabled
    assert vk_emulator.shop(DEMO_GROUP_ID).items == {}  # nothing reaches VK before the visitor confirms
    with django_capture_on_commit_callbacks(execute=True):
        again = connect_demo_merchant()  # a second `make run` keeps the plan waiting
    assert "first plan waits for confirmation" in again
    waiting = SyncRun.objects.filter(status=SyncRun.Status.NEEDS_CONFIRMATION)  # recomputed on the fresh catalog
    assert waiting.count() == 1 and waiting.get() == SyncRun.objects.latest("pk")


def test_the_visitor_confirming_the_demo_plan_fills_the_vk_shop(
    evotor_emulator, vk_emulator, django_capture_on_commit_callbacks
):
    evotor_emulator.add_merchant(token=DEMO_TOKEN, user_id=DEMO_USER_ID, seed=1, stores=2, groups=3, products=20)
    seed_demo(vk_emulator)
    ensure_demo_accounts()
    with django_capture_on_commit_callbacks(execute=True):
        connect_demo_merchant()
    merchant = get_user_model().objects.get(email="merchant@evosync.local")
    with django_capture_on_commit_callbacks(execute=True):
        confirm_plan(merchant=merchant)
    run = SyncRun.objects.filter(trigger=SyncRun.Trigger.CONFIRM).get()
    assert run.status == SyncRun.Status.DONE, run.error
    shop = vk_emulator.shop(DEMO_GROUP_ID)
    shown = [item for item in shop.items.values() if not item.hidden]
    assert run.created == len(shown) > 0
    page = requests.get(f"{vk_emulator.base_url}/market-{DEMO_GROUP_ID}", timeout=5).text  # what the visitor opens
    assert all(html.escape(item.title) in page for item in shown)
    hidden = {item.title for item in shop.items.values() if item.hidden} - {item.title for item in shown}
    assert not any(html.escape(title) in page for title in hidden)
    assert page.count('<img src="/photos/') >= len(shown)  # every item with its picture (the default one at least)


def test_demo_merchant_connects_to_the_emulators_demo_catalog(evotor_emulator):
    evotor_emulator.add_merchant(token=DEMO_TOKEN, user_id=DEMO_USER_ID, stores=1, groups=2, products=8)
    merchant = UserFactory()
    connection = connect_evotor(merchant)
    assert connect_evotor(merchant).pk == connection.pk
    assert connection.evotor_user_id == DEMO_USER_ID
    assert refresh_catalog(merchant=merchant).products == 8


def test_the_demo_links_the_community_shop_to_the_vk_emulators_page(settings):
    from tools.management.commands.demo import Command

    settings.VK_API_URL = "http://127.0.0.1:8702"
    values = Command().emulator_settings()
    assert values["VK_WEB_URL"] == settings.VK_WEB_URL == "http://127.0.0.1:8702"  # /market-<id> is served there
