"""The demo (`make run`): its accounts, and the demo merchant connected and synced through the emulators."""

import pytest
from django.contrib.auth import get_user_model

from accounts.tests.factories import UserFactory
from catalog.services import refresh_catalog
from emulators.evotor.demo import DEMO_TOKEN, DEMO_USER_ID
from emulators.vk.demo import DEMO_GROUP_ID, seed_demo
from tools.demo import connect_demo_merchant, connect_evotor, ensure_demo_accounts
from vksync.models import SyncRun

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


def test_demo_merchant_gets_one_store_published_and_synced(
    evotor_emulator, vk_emulator, django_capture_on_commit_callbacks
):
    evotor_emulator.add_merchant(token=DEMO_TOKEN, user_id=DEMO_USER_ID, seed=1, stores=2, groups=3, products=20)
    seed_demo(vk_emulator)
    ensure_demo_accounts()
    with django_capture_on_commit_callbacks(execute=True):
        message = connect_demo_merchant()
    assert "published" in message
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.DONE, run.error
    shop = vk_emulator.shop(DEMO_GROUP_ID)
    assert run.created == len([item for item in shop.items.values() if not item.hidden]) > 0
    with django_capture_on_commit_callbacks(execute=True):
        again = connect_demo_merchant()  # a second `make run` keeps what is there
    assert "refreshed" in again
    assert SyncRun.objects.filter(status=SyncRun.Status.DONE).count() >= 1


def test_demo_merchant_connects_to_the_emulators_demo_catalog(evotor_emulator):
    evotor_emulator.add_merchant(token=DEMO_TOKEN, user_id=DEMO_USER_ID, stores=1, groups=2, products=8)
    merchant = UserFactory()
    connection = connect_evotor(merchant)
    assert connect_evotor(merchant).pk == connection.pk
    assert connection.evotor_user_id == DEMO_USER_ID
    assert refresh_catalog(merchant=merchant).products == 8
