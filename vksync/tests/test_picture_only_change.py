"""A product whose only change in Evotor is its pictures reaches VK with the new ones: a refresh reads pictures
again once they were last checked longer ago than CATALOG_IMAGE_RECHECK_SECONDS (Evotor's product list does not
say when only a picture changed), and a sync then edits that item alone, uploading the new picture once."""

import hashlib

from catalog.services import refresh_catalog
from vksync.models import VkPhoto
from vksync.tests.helpers import assert_vk_matches_catalog, writes
from vksync.tests.test_every_picture import sellable, shown, sync


def test_a_picture_changed_alone_in_evotor_reaches_the_vk_item_once_it_is_checked_again(shop, settings):
    product = sellable(shop, 1)[0]
    sync(shop)
    photos_before = len(shop.vk.shop(shop.group_id).photos)
    images = shop.evotor.set_images(shop.token, product.evotor_id, ["a new look"])  # nothing else changes
    new = hashlib.sha256(shop.evotor.download_image(images[0])).hexdigest()
    refresh_catalog(merchant=shop.merchant)  # checked less than a day ago: not read again yet
    sync(shop)
    assert new not in shown(shop, product) and not writes(shop)
    settings.CATALOG_IMAGE_RECHECK_SECONDS = 0  # a day later, as far as the checks go
    refresh_catalog(merchant=shop.merchant)
    sync(shop)
    assert shown(shop, product) == [new]
    assert shop.vk.methods_called().count("market.edit") == 1  # that item alone
    assert len(shop.vk.shop(shop.group_id).photos) == photos_before + 1  # the new picture, uploaded once
    assert VkPhoto.objects.filter(group_id=shop.group_id, sha256=new).count() == 1
    assert_vk_matches_catalog(shop)


def test_pictures_checked_again_without_a_change_send_nothing_to_vk(shop, settings):
    sync(shop)
    settings.CATALOG_IMAGE_RECHECK_SECONDS = 0
    checked = refresh_catalog(merchant=shop.merchant).images_checked
    assert checked > 0  # every product going to VK had its pictures read again
    sync(shop)
    assert not writes(shop)  # the same pictures: no item edited, nothing uploaded
