"""One count, explained everywhere: the catalog, the plan, the sync page and the VK shop page show the same
numbers, each difference with its reason, and they are what VK holds after a sync through the emulators."""

import re

from django.urls import reverse

from catalog.models import Product, ProductGroup, Store
from catalog.services import refresh_catalog
from catalog.tests.factories import ProductFactory, ProductGroupFactory, StoreFactory
from vkshop.services import refresh_vk_shop
from vksync.counts import VkCount, vk_count
from vksync.engine import run_sync
from vksync.inputs import load_inputs
from vksync.models import SyncRun, SyncSettings
from vksync.selectors import settings_for
from vksync.tests.helpers import assert_vk_matches_catalog, live_items


def number(page: str, element_id: str) -> int:
    found = re.search(rf'id="{element_id}">(\d+)<', page)
    assert found, f"#{element_id} is not on the page"
    return int(found.group(1))


def shown_in_vk(shop) -> int:
    return sum(1 for item in live_items(shop) if not item.hidden)


def unsellable_catalog(shop) -> None:
    """In the first store: one group off, and outside it 4 products out of stock and 3 not for sale; the second
    store off."""
    first, second = (Store.objects.get(merchant=shop.merchant, evotor_id=evotor_id) for evotor_id in shop.ids["stores"])
    group = ProductGroup.objects.filter(store=first, products__isnull=False).first()
    others = list(
        Product.objects.filter(store=first).exclude(group=group).order_by("pk").values_list("evotor_id", flat=True)
    )
    for product_id in others[:4]:
        shop.evotor.update_product(shop.token, product_id, quantity=0, allow_to_sell=True)
    for product_id in others[4:7]:
        shop.evotor.update_product(shop.token, product_id, quantity=5, allow_to_sell=False)
    refresh_catalog(merchant=shop.merchant)
    ProductGroup.objects.filter(pk=group.pk).update(sync_enabled=False)
    Store.objects.filter(pk=second.pk).update(sync_enabled=False)


def test_every_page_shows_the_count_vk_holds_after_a_sync(client, shop, django_capture_on_commit_callbacks):
    unsellable_catalog(shop)
    client.force_login(shop.merchant)
    count = vk_count(merchant=shop.merchant)
    assert count.out_of_stock >= 4 and count.not_for_sale >= 3
    assert count.excluded_groups > 0 and count.in_other_stores > 0
    assert count.to_vk + count.not_to_vk + count.excluded_groups == count.in_stores

    # The first plan: shown with the count and its reasons.
    SyncSettings.objects.filter(merchant=shop.merchant).update(enabled=False)
    plan_run = run_sync(merchant=shop.merchant)
    assert plan_run.status == SyncRun.Status.NEEDS_CONFIRMATION
    assert VkCount.from_dict(plan_run.plan_summary["count"]) == count
    assert plan_run.plan_summary["create"] == count.to_vk  # an empty shop: every product shown is created
    plan_page = client.get(reverse("sync")).content.decode()
    assert number(plan_page, "count-to-vk") == count.to_vk
    assert f"нет в наличии (остаток 0 или меньше): <strong>{count.out_of_stock}</strong>" in plan_page
    assert f"не продаются (продажа запрещена): <strong>{count.not_for_sale}</strong>" in plan_page
    assert f"в выключенных группах: {count.excluded_groups}" in plan_page
    assert f"не публикуются в VK: {count.in_other_stores}" in plan_page

    # The sync through the emulators: VK holds exactly what the count says.
    with django_capture_on_commit_callbacks(execute=True):
        run = run_sync(merchant=shop.merchant, confirmed=True)
    assert run.status == SyncRun.Status.DONE, run.error
    assert assert_vk_matches_catalog(shop) == shown_in_vk(shop) == count.to_vk

    pages = {
        "catalog": client.get("/catalog/stores").content.decode(),
        "sync": client.get(reverse("sync")).content.decode(),
        "vk shop": client.get("/vk-catalog/albums").content.decode(),
        "start": client.get("/start").content.decode(),
    }
    for name, page in pages.items():
        if name != "start":
            assert number(page, "count-to-vk") == count.to_vk, name
            assert f"<strong>{count.out_of_stock}</strong>" in page and f"<strong>{count.not_for_sale}</strong>" in page
        if name != "catalog":
            assert number(page, "vk-visible") == shown_in_vk(shop), name
    assert "Ещё не в VK" not in pages["sync"]  # nothing left over: the shop shows what the catalog sends


def test_the_vk_shop_page_says_what_is_not_ours_and_what_the_next_sync_brings(
    client, shop, django_capture_on_commit_callbacks
):
    client.force_login(shop.merchant)
    with django_capture_on_commit_callbacks(execute=True):
        run_sync(merchant=shop.merchant)
    shop.vk.add_item(shop.group_id, "Сделан в VK руками")
    product = Product.objects.filter(merchant=shop.merchant, quantity__gt=0, allow_to_sell=True).first()
    shop.evotor.update_product(shop.token, product.evotor_id, quantity=0)
    refresh_catalog(merchant=shop.merchant)
    refresh_vk_shop(merchant=shop.merchant)
    page = client.get("/vk-catalog/albums").content.decode()
    count = vk_count(merchant=shop.merchant)
    assert number(page, "vk-visible") == count.to_vk + 2  # the hand-made item, and the one that ran out
    assert "добавлены в VK не через EvoSync — 1 (EvoSync их не трогает)" in page
    assert "В VK ещё видно 1, которые туда больше не идут: скроются при следующей синхронизации." in page


def test_the_count_is_what_the_planner_sends_whatever_the_settings(db):
    store = StoreFactory()
    merchant = store.merchant
    off = ProductGroupFactory(store=store, sync_enabled=False)
    ProductFactory(store=store, group=off)
    ProductFactory(store=store, quantity=0)
    ProductFactory(store=store, quantity=-2, allow_to_sell=False)  # out of stock is said first
    ProductFactory(store=store, allow_to_sell=False)
    ProductFactory.create_batch(3, store=store)
    ProductFactory(store=StoreFactory(merchant=merchant, sync_enabled=False))
    ProductFactory(store=store, removed=True)
    sync_settings = settings_for(merchant)
    assert vk_count(merchant=merchant) == VkCount(
        in_other_stores=1, in_stores=7, excluded_groups=1, to_vk=3, out_of_stock=2, not_for_sale=1
    )
    for no_stock, not_for_sale in [(True, True), (False, True), (True, False), (False, False)]:
        sync_settings.unavailable_if_no_stock, sync_settings.unavailable_if_not_for_sale = no_stock, not_for_sale
        sync_settings.save()
        count = vk_count(merchant=merchant)
        desired = load_inputs(merchant=merchant, sync_settings=sync_settings, group_id=1).desired
        assert count.published == len(desired)
        assert count.to_vk == sum(1 for item in desired if item.visible), (no_stock, not_for_sale)
