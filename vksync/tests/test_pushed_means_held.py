"""What the mapping records as pushed is what VK is known to hold (issue 12, finding 9)."""

from catalog.models import Product
from vksync.engine import run_sync
from vksync.models import ProductLink, SyncItemError, SyncRun
from vksync.tests.helpers import assert_vk_matches_catalog, items_by_sku, live_items


def converge(shop, runs: int = 5) -> SyncRun:
    for _ in range(runs):
        run = run_sync(merchant=shop.merchant)
        if run.status == SyncRun.Status.DONE and run.plan_summary.get("writes") == 0:
            return run
    raise AssertionError(f"no convergence in {runs} runs")


def first_created_with_picture(shop) -> Product:
    """The published, available product with its own picture that the first create batch carries."""
    products = Product.objects.filter(
        merchant=shop.merchant, quantity__gt=0, allow_to_sell=True, store__sync_enabled=True
    )
    return products.exclude(image_url="").order_by("pk").first()


def test_item_created_without_its_picture_whose_answer_was_lost_gets_the_picture_later(shop):
    """Bug: the link's hash was written before the outcome was known; the next runs adopted the item, trusted
    the hash, and it stayed with the default picture through every later sync."""
    product = first_created_with_picture(shop)
    image_path = "/images/" + product.image_url.rsplit("/", 1)[-1]
    shop.evotor.fail_next(404, times=1, path=image_path)  # its picture cannot be had this run: the default goes
    shop.vk.lose_answer_next("market.add")  # and the answer to the first create batch is lost after VK made it
    first = run_sync(merchant=shop.merchant)
    assert first.status == SyncRun.Status.FAILED and first.transient
    link = ProductLink.objects.filter(product=product).first()  # made just before its batch went, if it went
    assert link is None or link.pushed_hash == ""  # nothing VK is not known to hold
    converge(shop)
    assert_vk_matches_catalog(shop)  # its own picture now, and no twin
    assert len(items_by_sku(shop)) == len(live_items(shop))


def test_photo_save_whose_answer_was_lost_is_uploaded_afresh_not_resent(shop, settings):
    """VK refuses an upload response saved twice: a lost answer means a new upload, not the same response."""
    settings.VK_PHOTO_BULK_FILES = 0
    shop.vk.lose_answer_next("market.saveProductPhoto")
    run = run_sync(merchant=shop.merchant)
    assert run.status == SyncRun.Status.DONE, run.error
    assert not SyncItemError.objects.filter(run=run).exists()  # no picture refused as "already saved"
    saves = [e for e in shop.vk.request_log if e["method"] == "market.saveProductPhoto"]
    assert len(saves) == shop.vk.upload_count  # one save per upload: the lost one was uploaded again
    assert_vk_matches_catalog(shop)


def test_failed_run_records_what_it_did(shop):
    """Bug: a failed run recorded 0 created although it had written hundreds."""
    shop.vk.lose_answer_next("market.add", skip=1)  # the second create batch: the run stops there
    run = run_sync(merchant=shop.merchant)
    assert run.status == SyncRun.Status.FAILED
    assert run.created == 25  # the first batch's items, recorded as they were answered


def test_a_create_is_linked_just_before_its_batch_goes_so_a_stopped_run_links_only_what_it_sent(shop):
    shop.vk.lose_answer_next("market.add")  # the first create batch: the run stops there
    run = run_sync(merchant=shop.merchant)
    assert run.status == SyncRun.Status.FAILED
    links = ProductLink.objects.filter(merchant=shop.merchant)
    assert links.count() == 2 * 25 < run.plan_summary["create"]  # the lost batch and the one sent behind it
    converge(shop)
    assert_vk_matches_catalog(shop)
    assert len(items_by_sku(shop)) == len(live_items(shop))  # the lost batch's items adopted, no twin
