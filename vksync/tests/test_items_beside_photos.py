"""The rate-limited stream never waits for pictures: items whose own pictures are in VK go while later pictures
are still uploading, the next upload addresses are asked for before the current photos are saved, and a run
stopped among all this keeps every photo VK saved — at the fewest requests, each picture uploaded once."""

import math

from catalog.services import refresh_catalog
from vksync.engine import run_sync
from vksync.models import SyncRun, VkPhoto
from vksync.tests.helpers import assert_vk_matches_catalog
from vksync.tests.test_every_picture import pictured, sellable, shown, sync


def arrivals(shop, method: str) -> list[float]:
    """When each request calling `method` (itself or inside execute) reached VK, in order."""
    return sorted(
        entry["time"]
        for entry in shop.vk.request_log
        if entry["method"] == method or method in {inner["method"] for inner in entry.get("inner", [])}
    )


def test_items_whose_pictures_are_in_vk_go_while_new_pictures_are_saved(shop, settings):
    settings.VK_PHOTO_BULK_FILES = 0
    sync(shop)
    products = sellable(shop, 60)
    for product in products:
        shop.evotor.update_product(shop.token, product.evotor_id, price=float(product.price) + 1)
    new = pictured(shop, products[0], ["new-1", "new-2"]) + pictured(shop, products[1], ["new-3"])
    refresh_catalog(merchant=shop.merchant)
    shop.vk.delay_next(0.3, times=3, method="market.saveProductPhoto")  # the pictures take their time
    sync(shop)
    saves, edits = arrivals(shop, "market.saveProductPhoto"), arrivals(shop, "market.edit")
    assert len(saves) == 3
    assert edits[0] < saves[-1]  # the items with nothing new to show did not wait for the pictures
    assert len(edits) == math.ceil(len(products) / 25)  # and not a request more for it: full batches
    assert shown(shop, products[0]) == new[:2] and shown(shop, products[1]) == new[2:]
    assert_vk_matches_catalog(shop)


def test_the_next_upload_addresses_are_asked_for_before_these_photos_are_saved(shop, settings):
    settings.VK_PHOTO_BULK_FILES = 0
    for number, product in enumerate(sellable(shop, 30)):
        pictured(shop, product, [f"own-{number}"])
    refresh_catalog(merchant=shop.merchant)
    sync(shop)
    addresses, saves = arrivals(shop, "market.getProductPhotoUploadServer"), arrivals(shop, "market.saveProductPhoto")
    assert len(saves) > 25
    assert len(addresses) == math.ceil(len(saves) / 25)
    assert addresses[1] < saves[24]  # the second 25 were posting while the first 25 were saved
    assert_vk_matches_catalog(shop)


def test_a_run_stopped_among_items_keeps_every_photo_vk_saved_and_saves_none_twice(shop, settings):
    settings.VK_PHOTO_BULK_FILES = 0
    for number, product in enumerate(sellable(shop, 40)):
        pictured(shop, product, [f"own-{number}"])
    refresh_catalog(merchant=shop.merchant)
    shop.vk.delay_next(0.05, times=100, method="market.saveProductPhoto")
    shop.vk.lose_answer_next("market.add")  # the first item batch: VK made the items, the answer is lost
    first = run_sync(merchant=shop.merchant)
    assert first.status == SyncRun.Status.FAILED and first.transient
    saved_then = set(shop.vk.shop(shop.group_id).photos)
    assert set(VkPhoto.objects.filter(group_id=shop.group_id).values_list("photo_id", flat=True)) == saved_then
    shop.vk.clear_faults()
    sync(shop)
    in_vk = shop.vk.shop(shop.group_id).photos
    assert 0 < len(saved_then) < len(in_vk)  # the run had stopped among the pictures
    recorded = VkPhoto.objects.filter(group_id=shop.group_id)
    assert set(recorded.values_list("photo_id", flat=True)) == set(in_vk)
    assert recorded.count() == len(set(recorded.values_list("sha256", flat=True)))  # each picture saved once
    assert_vk_matches_catalog(shop)
