"""The first sync asks for photo upload addresses 25 to an execute; only the saves go one by one."""

import math

from vksync.sync_models import SyncRun
from vksync.sync_services import run_sync


def test_upload_addresses_travel_in_executes_and_saves_alone(shop):
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
