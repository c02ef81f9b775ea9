"""Every picture of a product goes to its VK item, in Evotor's order, each uploaded once per community."""

import hashlib
import io
import math

from PIL import Image

from catalog.models import Product
from connections.models import VkConnection
from vksync.engine import run_sync
from vksync.models import ProductLink, SyncItemError, SyncRun, VkPhoto
from vksync.tests.helpers import assert_vk_matches_catalog, items_by_sku


def sync(shop) -> SyncRun:
    shop.vk.reset_log()
    run = run_sync(merchant=shop.merchant)
    assert run.status == SyncRun.Status.DONE, run.error
    return run


def shown(shop, product: Product) -> list[str]:
    """sha256 (of the Evotor picture) of each photo the product's VK item shows, in order."""
    item = items_by_sku(shop)[product.evotor_id]
    shas = dict(VkPhoto.objects.filter(group_id=shop.group_id).values_list("photo_id", "sha256"))
    return [shas[photo_id] for photo_id in [item.main_photo_id, *item.photo_ids]]


def pictured(shop, product: Product, pictures: list) -> list[str]:
    """Give the product these pictures in Evotor (the product changes too, so the next read checks them)."""
    images = shop.evotor.set_images(shop.token, product.evotor_id, pictures)
    shop.evotor.update_product(shop.token, product.evotor_id, description=f"Фото: {len(pictures)}")
    return [hashlib.sha256(shop.evotor.download_image(image)).hexdigest() for image in images]


def jpeg(size, colour=(10, 120, 200), fmt="JPEG") -> tuple[bytes, str]:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue(), {"JPEG": "jpg", "WEBP": "webp", "BMP": "bmp"}[fmt]


def sellable(shop, count: int) -> list[Product]:
    return list(Product.objects.filter(merchant=shop.merchant, quantity__gt=0, allow_to_sell=True)[:count])


def test_every_picture_goes_to_the_item_in_evotors_order(shop):
    product = sellable(shop, 1)[0]
    shas = pictured(shop, product, ["a", "b", "c", "d", "e"])
    sync(shop)
    assert shown(shop, product) == shas  # main photo and four more, as in Evotor
    assert_vk_matches_catalog(shop)


def test_a_picture_shared_by_items_is_uploaded_once_and_reused(shop):
    first, second = sellable(shop, 2)
    same = jpeg((500, 500))
    pictured(shop, first, [same, "own-1"])
    pictured(shop, second, ["own-2", same])
    sync(shop)
    shared = hashlib.sha256(same[0]).hexdigest()
    assert shown(shop, first)[0] == shown(shop, second)[1] == shared
    assert VkPhoto.objects.filter(group_id=shop.group_id, sha256=shared).count() == 1
    photo_id = VkPhoto.objects.get(sha256=shared).photo_id
    assert sum(content == same[0] for content in shop.vk.photo_bytes.values()) == 1  # uploaded once
    assert items_by_sku(shop)[first.evotor_id].main_photo_id == photo_id


def test_reordered_pictures_edit_the_item_without_uploading_again(shop):
    product = sellable(shop, 1)[0]
    pictured(shop, product, ["a", "b", "c"])
    sync(shop)
    before = shown(shop, product)
    images = shop.evotor._merchant(shop.token).images[product.evotor_id]
    shop.evotor._merchant(shop.token).images[product.evotor_id] = list(reversed(images))
    shop.evotor.update_product(shop.token, product.evotor_id, description="Порядок фото другой")
    uploads = shop.vk.upload_count
    run = sync(shop)
    assert shown(shop, product) == list(reversed(before))
    assert run.updated == 1 and shop.vk.upload_count == 0 and uploads
    assert "market.saveProductPhotoBulk" not in shop.vk.methods_called()


def test_a_removed_picture_leaves_the_item(shop):
    product = sellable(shop, 1)[0]
    pictured(shop, product, ["a", "b", "c"])
    sync(shop)
    kept = shown(shop, product)[::2]
    images = shop.evotor._merchant(shop.token).images[product.evotor_id]
    shop.evotor._merchant(shop.token).images[product.evotor_id] = images[::2]
    shop.evotor.update_product(shop.token, product.evotor_id, description="Одним фото меньше")
    sync(shop)
    assert shown(shop, product) == kept
    assert_vk_matches_catalog(shop)


def test_pictures_vk_would_refuse_are_fixed_and_the_fixes_kept(shop):
    small, webp, strip = sellable(shop, 3)
    pictured(shop, small, [jpeg((120, 90))])
    pictured(shop, webp, [jpeg((600, 600), fmt="WEBP")])
    pictured(shop, strip, [jpeg((13900, 200))])
    run = sync(shop)
    assert not SyncItemError.objects.filter(run=run).exists()  # none skipped
    for product, word in ((small, "дополнена"), (webp, "формат WEBP"), (strip, "уменьшена")):
        photo = VkPhoto.objects.get(group_id=shop.group_id, sha256=shown(shop, product)[0])
        assert any(fix.startswith(word) for fix in photo.fixes), photo.fixes
        with Image.open(io.BytesIO(shop.vk.photo_bytes[photo.photo_id])) as uploaded:
            assert min(uploaded.size) >= 400 and sum(uploaded.size) <= 14000 and uploaded.format in ("JPEG", "PNG")


def test_a_file_that_is_no_picture_is_reported_on_the_item_not_skipped_silently(shop):
    product = sellable(shop, 1)[0]
    pictured(shop, product, [(b"<html>oops</html>", "jpg")])
    run = sync(shop)
    error = SyncItemError.objects.get(run=run, operation="upload_photo")
    assert "не читается" in error.reason


def test_bulk_upload_saves_five_pictures_a_request(shop):
    for number, product in enumerate(sellable(shop, 4)):
        pictured(shop, product, [f"p{number}-{k}" for k in range(3)])
    run = sync(shop)
    new_photos = VkPhoto.objects.filter(group_id=shop.group_id).count()
    calls = shop.vk.methods_called()
    assert calls.count("market.saveProductPhotoBulk") == math.ceil(new_photos / 5)
    assert "market.saveProductPhoto" not in calls
    assert shop.vk.upload_count == math.ceil(new_photos / 5)  # several files a POST
    assert run.requests["by_method"]["market.saveProductPhotoBulk"] == math.ceil(new_photos / 5)
    assert_vk_matches_catalog(shop)


def test_a_community_refusing_bulk_gets_single_saves_and_is_not_asked_again(shop):
    shop.vk.refuse_bulk()
    sync(shop)
    calls = shop.vk.methods_called()
    photos = VkPhoto.objects.filter(group_id=shop.group_id).count()
    assert calls.count("market.saveProductPhoto") == photos > 3 and "market.saveProductPhotoBulk" not in calls
    assert VkConnection.objects.get(merchant=shop.merchant).photo_bulk_refused_at is not None
    assert_vk_matches_catalog(shop)
    pictured(shop, sellable(shop, 1)[0], ["new-1", "new-2"])
    sync(shop)
    asked = [e for e in shop.vk.request_log for i in e.get("inner", [e]) if i.get("params", {}).get("bulk")]
    assert not asked and shop.vk.methods_called().count("market.saveProductPhoto") == 2
    assert_vk_matches_catalog(shop)


def test_pictures_are_learnt_before_the_first_plan_whatever_the_refresh_cap(shop, settings):
    """At the cap a refresh leaves most pictures unknown; the sync learns the rest first, at Evotor's pace."""
    settings.CATALOG_IMAGE_CHECKS_PER_REFRESH = 3
    products = sellable(shop, 12)
    for number, product in enumerate(products):
        pictured(shop, product, [f"late-{number}"])
    Product.objects.filter(merchant=shop.merchant).update(image_checked_hash="", image_hash="", images=[])
    run = sync(shop)
    assert run.plan_summary["pictures_pending"] == 0
    for product in products:
        assert ProductLink.objects.get(product=product).pushed_hash  # sent with its own picture, nothing left open
    assert_vk_matches_catalog(shop)


def test_an_item_whose_pictures_cannot_be_learnt_waits_instead_of_going_bare(shop, settings):
    settings.EVOTOR_RETRY_BACKOFF_SECONDS = 0.01
    product = sellable(shop, 1)[0]
    Product.objects.filter(pk=product.pk).update(image_checked_hash="", image_hash="", images=[])
    shop.evotor.fail_next(503, times=50, path=f"/products/{product.evotor_id}/images")
    run = run_sync(merchant=shop.merchant, trigger=SyncRun.Trigger.SCHEDULE)
    assert run.status == SyncRun.Status.DONE, run.error
    assert run.plan_summary["pictures_pending"] >= 1
    assert product.evotor_id not in items_by_sku(shop)  # not sent with the default picture
    shop.evotor.clear_faults()
    sync(shop)
    assert product.evotor_id in items_by_sku(shop)
    assert_vk_matches_catalog(shop)


def test_the_items_page_says_what_was_done_to_each_picture(shop, client):
    product = sellable(shop, 1)[0]
    pictured(shop, product, [jpeg((120, 90)), "fine"])
    sync(shop)
    client.force_login(shop.merchant)
    page = client.get(f"/sync/item/{product.evotor_id}")
    text = page.content.decode()
    assert page.status_code == 200
    assert "дополнена белыми полями с 120×90 до 400×400" in text  # the first picture, padded
    assert "ничего: VK принял её как есть" in text  # the second, as it was
    assert "главное фото" in text and "дополнительное фото" in text


def test_another_merchants_item_page_is_not_found(shop, client):
    from accounts.tests.factories import UserFactory

    product = sellable(shop, 1)[0]
    sync(shop)
    client.force_login(UserFactory())
    assert client.get(f"/sync/item/{product.evotor_id}").status_code == 404


def test_a_lost_bulk_answer_sends_those_photos_singly_without_twins_nor_refusal(shop):
    shop.vk.lose_answer_next("market.saveProductPhotoBulk")
    run = sync(shop)
    assert not SyncItemError.objects.filter(run=run).exists()
    calls = shop.vk.methods_called()
    assert calls.count("market.saveProductPhoto") >= 1  # the lost bulk's photos, uploaded afresh one by one
    saved = VkPhoto.objects.filter(group_id=shop.group_id)
    assert saved.count() == len(set(saved.values_list("sha256", flat=True)))
    assert VkConnection.objects.get(merchant=shop.merchant).photo_bulk_refused_at is None  # VK did not refuse
    assert_vk_matches_catalog(shop)
