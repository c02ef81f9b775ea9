"""Random VK faults (the emulator's chaos): the sync converges, with no twin and nothing lost."""

import pytest

from catalog.models import Product
from catalog.services import refresh_catalog
from vksync.engine import run_sync
from vksync.models import SyncRun
from vksync.tests.helpers import assert_vk_matches_catalog, items_by_sku, live_items

MAX_RUNS = 30


def sync_until_nothing_is_left(shop) -> list[str]:
    """Run the sync as the scheduler would, until a run finds nothing to write; the statuses seen."""
    statuses = []
    for _ in range(MAX_RUNS):
        run = run_sync(merchant=shop.merchant)
        statuses.append(run.status)
        if run.status == SyncRun.Status.DONE and run.plan_summary.get("writes") == 0:
            return statuses
    raise AssertionError(f"no convergence in {MAX_RUNS} runs: {statuses}")


@pytest.mark.parametrize("bulk_files", [0, 2], ids=["single_saves", "bulk_saves"])
def test_first_sync_converges_under_random_vk_faults_without_twins(shop, settings, bulk_files):
    settings.VK_MAX_RETRIES = 2
    settings.VK_PHOTO_BULK_FILES = bulk_files
    shop.vk.chaos(0.2, seed=11)  # one request in five: refused, VK error 10, or the answer lost after the work
    statuses = sync_until_nothing_is_left(shop)
    chaos = [entry["chaos"] for entry in shop.vk.request_log if entry.get("chaos")]
    # the faults did happen, a lost answer among them (bulk saves make the run ~20 requests: 3 faults or more)
    assert "answer_lost_after" in chaos and len(chaos) >= 3, chaos
    shop.vk.chaos(0)
    assert len(items_by_sku(shop)) == len(live_items(shop))  # one VK item per sku
    assert_vk_matches_catalog(shop)  # every published product there, as the rules say
    assert statuses[-1] == SyncRun.Status.DONE


def test_changes_under_random_vk_faults_end_in_the_same_shop(shop, settings):
    settings.VK_MAX_RETRIES = 2
    sync_until_nothing_is_left(shop)
    products = list(Product.objects.filter(merchant=shop.merchant, quantity__gt=0, allow_to_sell=True)[:12])
    for number, product in enumerate(products):
        if number % 3 == 0:
            shop.evotor.remove_product(shop.token, product.evotor_id)
        else:
            shop.evotor.update_product(shop.token, product.evotor_id, price=100 + number, name=f"Новое имя {number}")
    refresh_catalog(merchant=shop.merchant)
    shop.vk.chaos(0.25, seed=5)
    sync_until_nothing_is_left(shop)
    shop.vk.chaos(0)
    assert len(items_by_sku(shop)) == len(live_items(shop))
    assert_vk_matches_catalog(shop)
