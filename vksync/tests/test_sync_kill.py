"""A worker killed with SIGKILL in the middle of applying: the next run converges with no duplicate."""

import multiprocessing
import os
import signal
import time

import pytest
from django.db import connection, connections

from accounts.tests.factories import UserFactory
from catalog.models import Store
from catalog.services import refresh_catalog
from connections.tests.factories import EvotorConnectionFactory, VkConnectionFactory
from emulators.vk.fixtures import TEST_GROUP_ID
from vksync.engine import run_sync
from vksync.models import SyncRun, SyncSettings
from vksync.tests.helpers import assert_vk_matches_catalog, live_items

ADDS_BEFORE_KILL = 40


def _sync_in_child(merchant_id: int) -> None:
    from django.contrib.auth import get_user_model

    run_sync(merchant=get_user_model().objects.get(pk=merchant_id))
    os._exit(0)


def _adds(emu) -> int:
    return sum(1 for name in emu.methods_called() if name == "market.add")


@pytest.mark.skipif(connection.vendor == "sqlite", reason="the child process needs a database server it can share")
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_apply_leaves_no_duplicate(evotor_emulator, vk_emulator, settings):
    settings.SYNC_STALE_SECONDS = 1  # the killed worker's lock and heartbeat go stale quickly
    merchant = UserFactory()
    ids = evotor_emulator.add_merchant(token="tok-kill", seed=11, stores=1, groups=3, products=200, image_share=0)
    EvotorConnectionFactory(merchant=merchant, token="tok-kill", evotor_user_id=ids["user_id"])
    VkConnectionFactory(merchant=merchant)
    refresh_catalog(merchant=merchant)
    Store.objects.filter(merchant=merchant).update(sync_enabled=True)
    SyncSettings.objects.update_or_create(merchant=merchant, defaults={"enabled": True})
    vk_emulator.latency = 0.02  # slow enough to be caught mid-run

    connections.close_all()  # the child opens its own connection: a shared socket would be closed under us
    child = multiprocessing.get_context("fork").Process(target=_sync_in_child, args=(merchant.pk,))
    child.start()
    deadline = time.monotonic() + 60
    while _adds(vk_emulator) < ADDS_BEFORE_KILL and child.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.join(10)
    assert child.exitcode == -signal.SIGKILL, "the child should have been killed mid-run"
    assert ADDS_BEFORE_KILL <= _adds(vk_emulator)
    vk_emulator.latency = 0.0

    run = None
    for _ in range(50):  # bounded: the killed worker's lock and heartbeat go stale within seconds
        run = run_sync(merchant=merchant, trigger=SyncRun.Trigger.MANUAL)
        if run is not None:
            break
        time.sleep(0.2)
    assert run is not None and run.status == SyncRun.Status.DONE, run and run.error
    assert SyncRun.objects.filter(merchant=merchant, error__startswith="Прервано").count() == 1

    class Shop:
        pass

    shop = Shop()
    shop.merchant, shop.vk, shop.group_id = merchant, vk_emulator, TEST_GROUP_ID
    assert_vk_matches_catalog(shop)  # every sku once, every field right
    assert len(live_items(shop)) > ADDS_BEFORE_KILL
