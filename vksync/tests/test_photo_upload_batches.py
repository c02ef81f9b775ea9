"""The single-save flow (bulk off, or refused): upload addresses 25 to an execute; only the saves go one by one."""

import math

from vksync.engine import run_sync
from vksync.models import SyncRun, VkPhoto
from vksync.tests.helpers import assert_vk_matches_catalog, items_by_sku, live_items


def test_upload_addresses_travel_in_executes_and_saves_alone(shop, settings):
    settings.VK_PHOTO_BULK_FILES = 0
    shop.vk.reset_log()
    run = run_sync(merchant=shop.merchant)
    assert run.status == SyncRun.Status.DONE, run.error
    photos = shop.vk.upload_count
    assert photos > 3
    log = shop.vk.request_log
    assert not [e for e in log if e["method"] == "market.getProductPhotoUploadServer"]
    asking = [e for e in log if e["method"] == "execute" and {i["method"] for i in e["inner"]} == {
        "market.getProductPhotoUploadServer"}]  # fmt: skip
    assert len(asking) == math.ceil(photos / 25)
    assert sum(1 for e in log if e["method"] == "market.saveProductPhoto") == photos


def test_run_stopped_among_photo_saves_leaves_no_twin_photos_and_the_next_run_finishes(shop, settings):
    """Uploads run ahead in a thread; when a save fails for good the run stops, and nothing is saved twice."""
    settings.VK_MAX_RETRIES = 1
    settings.VK_PHOTO_BULK_FILES = 0
    shop.vk.reset_log()
    shop.vk.fail_next("market.saveProductPhoto", 10, times=2)  # the first save, and the fresh upload's: it stops
    first = run_sync(merchant=shop.merchant)
    assert first.status == SyncRun.Status.FAILED
    assert VkPhoto.objects.filter(group_id=shop.group_id).count() == 0  # the failure came with the first save
    assert not items_by_sku(shop)  # no item went out without its picture
    second = run_sync(merchant=shop.merchant)
    assert second.status == SyncRun.Status.DONE, second.error
    saved = VkPhoto.objects.filter(group_id=shop.group_id)
    assert saved.count() == len(set(saved.values_list("photo_id", flat=True))) > 3
    assert {item.main_photo_id for item in live_items(shop)} <= set(saved.values_list("photo_id", flat=True))
    assert_vk_matches_catalog(shop)
