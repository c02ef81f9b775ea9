"""Refreshing the catalog cache from the Evotor emulator."""

import logging
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import CatalogRead, Product, ProductGroup, Store
from catalog.selectors import catalog_being_read, published_products
from catalog.services import learn_pictures, refresh_all_catalogs, refresh_catalog
from connections.models import EvotorConnection
from connections.ratelimit import evotor_rate_limiter, token_key
from connections.tests.factories import EvotorConnectionFactory
from core.locks import merchant_lock
from core.slices import Slice

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection():
    return EvotorConnectionFactory(token="tok-1")


@pytest.fixture
def catalog(evotor_emulator):
    return evotor_emulator.add_merchant(token="tok-1", stores=2, groups=6, products=150)


def test_refresh_reads_every_page_of_every_store(evotor_emulator, connection, catalog):
    evotor_emulator.page_size = 40
    result = refresh_catalog(merchant=connection.merchant)
    assert result.ok, result.error
    assert Store.objects.filter(merchant=connection.merchant).count() == 2
    assert ProductGroup.objects.filter(merchant=connection.merchant).count() == 12
    assert Product.objects.filter(merchant=connection.merchant).count() == 300
    assert result.created == 300
    assert evotor_emulator.request_counts["GET /stores/{store_id}/products"] == 2 * 4
    connection.refresh_from_db()
    assert connection.status == EvotorConnection.Status.OK
    assert connection.last_checked_at is not None


def test_products_keep_evotor_fields_groups_and_extras(evotor_emulator, connection, catalog):
    refresh_catalog(merchant=connection.merchant)
    store_id = catalog["stores"][0]
    source = next(p for p in evotor_emulator.products("tok-1", store_id) if p["parent_id"] and p.get("description"))
    product = Product.objects.get(evotor_id=source["id"])
    assert product.name == source["name"]
    assert str(product.price) == f"{source['price']:.2f}"
    assert product.barcodes == source["barcodes"]
    assert product.group.evotor_id == source["parent_id"]
    assert product.store.evotor_id == store_id
    assert product.extra["is_excisable"] is False
    assert product.evotor_updated_at is not None
    assert len(product.content_hash) == 64


def test_second_refresh_writes_only_what_changed(evotor_emulator, connection, catalog, django_assert_max_num_queries):
    refresh_catalog(merchant=connection.merchant)
    store_id = catalog["stores"][0]
    changed_id = catalog["products"][store_id][5]
    before = Product.objects.get(evotor_id=changed_id).content_hash
    evotor_emulator.update_product("tok-1", changed_id, price=77.7, name="Новое имя")
    result = refresh_catalog(merchant=connection.merchant)
    assert (result.created, result.changed, result.removed) == (0, 1, 0)
    product = Product.objects.get(evotor_id=changed_id)
    assert product.name == "Новое имя" and str(product.price) == "77.70"
    assert product.content_hash != before
    assert product.search_text.startswith("новое имя ")  # the search follows the name


def test_search_text_holds_name_code_and_barcodes_folded(evotor_emulator, connection, catalog):
    refresh_catalog(merchant=connection.merchant)
    for product in Product.objects.filter(merchant=connection.merchant)[:20]:
        assert product.search_text == " ".join([product.name, product.code, *product.barcodes]).lower().replace(
            "ё", "е"
        )


def test_migration_fills_the_search_text_of_products_read_before_it(connection, catalog):
    from importlib import import_module

    from django.apps import apps

    from catalog.tests.factories import ProductFactory

    product = ProductFactory(name="Ёлочная игрушка", code="77", barcodes=["123"], search_text="")
    import_module("catalog.migrations.0003_product_search_text").fill_search_text(apps, None)
    product.refresh_from_db()
    assert product.search_text == "елочная игрушка 77 123"


def test_refresh_costs_a_handful_of_queries_per_page(evotor_emulator, connection, django_assert_max_num_queries):
    evotor_emulator.page_size = 100
    evotor_emulator.add_merchant(token="tok-1", stores=1, groups=5, products=1000)
    # 10 pages of new products: one upsert per page plus a constant few (a read cut before, to go on from: one
    # more), none per product.
    with django_assert_max_num_queries(10 + 16):
        result = refresh_catalog(merchant=connection.merchant)
    assert result.created == 1000
    evotor_emulator.update_product(
        "tok-1", evotor_emulator.products("tok-1", evotor_emulator.stores("tok-1")[0]["id"])[0]["id"], price=1
    )
    with django_assert_max_num_queries(1 + 16):  # only the page with the change writes
        result = refresh_catalog(merchant=connection.merchant)
    assert (result.created, result.changed) == (0, 1)


def test_vanished_products_are_marked_removed_and_come_back(evotor_emulator, connection, catalog):
    refresh_catalog(merchant=connection.merchant)
    store_id = catalog["stores"][1]
    product_id = catalog["products"][store_id][0]
    saved = evotor_emulator.product("tok-1", product_id)
    evotor_emulator.remove_product("tok-1", product_id)
    result = refresh_catalog(merchant=connection.merchant)
    product = Product.objects.get(evotor_id=product_id)
    assert result.removed == 1
    assert product.removed is True and product.removed_at is not None
    assert Product.objects.filter(merchant=connection.merchant, removed=False).count() == 299

    evotor_emulator.add_product("tok-1", store_id, **saved)
    result = refresh_catalog(merchant=connection.merchant)
    product.refresh_from_db()
    assert result.restored == 1
    assert product.removed is False and product.removed_at is None


def test_vanished_groups_and_stores_are_marked_removed(evotor_emulator, connection, catalog):
    refresh_catalog(merchant=connection.merchant)
    first, second = catalog["stores"]
    group_id = catalog["groups"][first][0]
    evotor_emulator.remove_group("tok-1", first, group_id)
    evotor_emulator.remove_store("tok-1", second)
    refresh_catalog(merchant=connection.merchant)
    assert ProductGroup.objects.get(evotor_id=group_id).removed is True
    assert Store.objects.get(evotor_id=second).removed is True
    assert Store.objects.get(evotor_id=first).removed is False


def test_402_store_is_skipped_quietly_and_the_rest_refreshed(evotor_emulator, connection, catalog, caplog):
    caplog.set_level(logging.DEBUG)
    refresh_catalog(merchant=connection.merchant)
    first, second = catalog["stores"]
    evotor_emulator.remove_product("tok-1", catalog["products"][first][0])
    evotor_emulator.fail_store(second, 402)
    result = refresh_catalog(merchant=connection.merchant)
    assert result.ok
    assert (result.stores, result.stores_skipped, result.skipped_store_ids) == (1, 1, [second])
    assert result.removed == 1
    # The skipped store's products are not taken for deleted.
    assert Product.objects.filter(store__evotor_id=second, removed=False).count() == 150
    ours = [r for r in caplog.records if r.name.startswith(("catalog", "connections"))]
    skipped = [r for r in ours if "402" in r.getMessage()]
    assert skipped and all(r.levelno == logging.DEBUG for r in skipped)


def test_401_marks_the_connection_broken_with_a_readable_reason(evotor_emulator, connection, catalog):
    evotor_emulator.revoke_token("tok-1")
    result = refresh_catalog(merchant=connection.merchant)
    connection.refresh_from_db()
    assert result.status == "broken"
    assert connection.status == EvotorConnection.Status.BROKEN
    assert "не принял токен" in connection.last_error
    assert connection.last_checked_at is not None
    assert not Store.objects.exists()


def test_refresh_waits_out_429s_and_reads_the_whole_catalog(evotor_emulator, connection, catalog):
    evotor_emulator.rate_limit_after(3, times=2, reset=0)
    result = refresh_catalog(merchant=connection.merchant)
    assert result.ok
    assert Product.objects.count() == 300
    assert any(status == 429 for _m, _p, status in evotor_emulator.request_log)


def test_lasting_5xx_fails_without_marking_anything_removed(evotor_emulator, connection, catalog, settings):
    settings.EVOTOR_MAX_RETRIES = 1
    refresh_catalog(merchant=connection.merchant)
    evotor_emulator.fail_next(503, times=50, path="/products")
    result = refresh_catalog(merchant=connection.merchant)
    connection.refresh_from_db()
    assert result.status == "failed" and result.transient
    assert connection.status == EvotorConnection.Status.OK  # a passing outage is not the merchant's fault
    assert not Product.objects.filter(removed=True).exists()


def test_another_merchant_still_refreshed_when_one_fails(evotor_emulator, catalog):
    broken = EvotorConnectionFactory(token="revoked")
    fine = EvotorConnectionFactory(token="tok-1")
    results = {r.merchant_id: r for r in refresh_all_catalogs()}
    assert results[broken.merchant_id].status == "broken"
    assert results[fine.merchant_id].ok
    assert Product.objects.filter(merchant=fine.merchant).count() == 300
    broken.refresh_from_db()
    assert broken.status == EvotorConnection.Status.BROKEN


def test_refresh_skips_a_merchant_whose_refresh_is_running(evotor_emulator, connection, catalog):
    with merchant_lock("catalog-refresh", connection.merchant.pk) as acquired:
        assert acquired
        result = refresh_catalog(merchant=connection.merchant)
    assert result.status == "busy"
    assert evotor_emulator.request_count == 0


def test_uninstalled_or_tokenless_connection_is_not_refreshed(evotor_emulator, catalog):
    uninstalled = EvotorConnectionFactory(token="tok-1", installed=False)
    assert refresh_catalog(merchant=uninstalled.merchant).status == "skipped"
    assert refresh_all_catalogs() == []
    assert evotor_emulator.request_count == 0


def test_images_fetched_only_for_selected_and_changed_products(evotor_emulator, connection):
    ids = evotor_emulator.add_merchant(token="tok-1", stores=2, groups=3, products=30, image_share=0.5)
    refresh_catalog(merchant=connection.merchant)
    assert evotor_emulator.request_counts["GET /stores/{store_id}/products/{product_id}/images"] == 0

    chosen = Store.objects.get(evotor_id=ids["stores"][0])
    chosen.sync_enabled = True
    chosen.save()
    selected = published_products(merchant=connection.merchant).count()
    result = refresh_catalog(merchant=connection.merchant)
    assert result.images_checked == selected
    assert evotor_emulator.request_counts["GET /stores/{store_id}/products/{product_id}/images"] == selected
    with_picture = [p for p in ids["images"] if p in ids["products"][chosen.evotor_id]]
    product = Product.objects.get(evotor_id=with_picture[0])
    assert product.image_url.endswith((".png", ".jpg")) and len(product.image_hash) == 64
    assert result.images_downloaded == len([p for p in with_picture if published_products(
        merchant=connection.merchant).filter(evotor_id=p).exists()])  # fmt: skip

    # Nothing changed: no image requests at all. One product changes: one request.
    evotor_emulator.request_counts.clear()
    refresh_catalog(merchant=connection.merchant)
    assert evotor_emulator.request_counts["GET /stores/{store_id}/products/{product_id}/images"] == 0
    evotor_emulator.update_product("tok-1", product.evotor_id, price=1.5)
    evotor_emulator.set_image("tok-1", product.evotor_id, seed="new picture")
    refresh_catalog(merchant=connection.merchant)
    assert evotor_emulator.request_counts["GET /stores/{store_id}/products/{product_id}/images"] == 1
    old_hash = product.image_hash
    product.refresh_from_db()
    assert product.image_hash != old_hash


def test_published_products_follow_store_and_group_switches(evotor_emulator, connection):
    ids = evotor_emulator.add_merchant(token="tok-1", stores=2, groups=9, products=100)
    refresh_catalog(merchant=connection.merchant)
    assert not published_products(merchant=connection.merchant).exists()
    store = Store.objects.get(evotor_id=ids["stores"][0])
    store.sync_enabled = True
    store.save()
    assert published_products(merchant=connection.merchant).count() == 100

    parents = ProductGroup.objects.filter(store=store).values("parent_evotor_id")
    parent = ProductGroup.objects.filter(store=store, evotor_id__in=parents).first()
    parent.sync_enabled = False
    parent.save()
    below, frontier = {parent.evotor_id}, {parent.evotor_id}
    while frontier:  # every group under the switched-off one, however deep
        frontier = set(
            ProductGroup.objects.filter(store=store, parent_evotor_id__in=frontier).values_list("evotor_id", flat=True)
        )
        below |= frontier
    hidden = Product.objects.filter(store=store, group__evotor_id__in=below)
    assert hidden.count() > 0
    published = published_products(merchant=connection.merchant)
    assert not published.filter(pk__in=hidden.values("pk")).exists()
    assert published.count() == 100 - hidden.count()


def test_removed_products_are_not_published(evotor_emulator, connection):
    ids = evotor_emulator.add_merchant(token="tok-1", stores=1, groups=2, products=10)
    refresh_catalog(merchant=connection.merchant)
    Store.objects.filter(merchant=connection.merchant).update(sync_enabled=True)
    evotor_emulator.remove_product("tok-1", ids["products"][ids["stores"][0]][0])
    refresh_catalog(merchant=connection.merchant)
    assert published_products(merchant=connection.merchant).count() == 9


def test_refresh_keeps_the_merchants_switches_and_image_state(evotor_emulator, connection, catalog):
    refresh_catalog(merchant=connection.merchant)
    store = Store.objects.get(evotor_id=catalog["stores"][0])
    group = ProductGroup.objects.filter(store=store).first()
    Store.objects.filter(pk=store.pk).update(sync_enabled=True)
    ProductGroup.objects.filter(pk=group.pk).update(sync_enabled=False)
    # A product of the other (not published) store: its image is not re-checked, and the upsert must keep it.
    product_id = catalog["products"][catalog["stores"][1]][0]
    Product.objects.filter(evotor_id=product_id).update(image_url="http://x/p.png", image_hash="h" * 64)
    evotor_emulator.update_product("tok-1", product_id, name="Переименован")
    refresh_catalog(merchant=connection.merchant)
    store.refresh_from_db()
    group.refresh_from_db()
    product = Product.objects.get(evotor_id=product_id)
    assert store.sync_enabled is True and group.sync_enabled is False
    assert product.name == "Переименован"
    assert (product.image_url, product.image_hash) == ("http://x/p.png", "h" * 64)


def _cut_clock() -> Slice:
    """A worker task's slice so short that every step after the task's first is cut."""
    return Slice(0.000001, task="catalog.refresh_catalog")


def test_a_read_cut_at_every_step_goes_on_where_it_stopped_and_ends_as_a_whole_read(evotor_emulator, connection):
    ids = evotor_emulator.add_merchant(token="tok-1", stores=2, groups=2, products=450)  # a page of 450 a store
    refresh_catalog(merchant=connection.merchant)
    store_id = Store.objects.order_by("name")[1].evotor_id  # the store read last: its end is the read's
    gone, changed = ids["products"][store_id][0], ids["products"][store_id][-1]
    evotor_emulator.remove_product("tok-1", gone)
    evotor_emulator.update_product("tok-1", changed, price=123)
    tasks, results = 0, []
    while not results or results[-1].status == "reading":
        assert catalog_being_read(merchant=connection.merchant) == bool(results)
        results.append(refresh_catalog(merchant=connection.merchant, clock=_cut_clock()))
        tasks += 1
        if results[-1].status == "reading":  # vanished only once its store's whole list was read
            assert not Product.objects.filter(evotor_id=gone, removed=True).exists()
    # stores; then for each store its groups and its page in chunks of 200 (200, 200, 50: the page read again)
    assert tasks == 1 + 2 * (1 + 3)
    assert results[-1].ok
    assert evotor_emulator.request_counts["GET /stores/{store_id}/products"] == 2 + 2 * 3  # the whole read: 2
    assert Product.objects.get(evotor_id=gone).removed
    assert Product.objects.get(evotor_id=changed).price == 123
    assert Product.objects.filter(merchant=connection.merchant, removed=False).count() == 899
    assert sum(result.changed for result in results) == 1 and sum(result.removed for result in results) == 1
    assert not catalog_being_read(merchant=connection.merchant)


def test_a_cut_read_that_fails_goes_on_from_where_it_stopped_when_tried_again(evotor_emulator, connection, settings):
    settings.EVOTOR_MAX_RETRIES = 0
    evotor_emulator.add_merchant(token="tok-1", stores=1, groups=1, products=450)
    assert refresh_catalog(merchant=connection.merchant, clock=_cut_clock()).status == "reading"  # the stores
    assert refresh_catalog(merchant=connection.merchant, clock=_cut_clock()).status == "reading"  # the groups
    evotor_emulator.fail_next(503, path="/products")
    assert refresh_catalog(merchant=connection.merchant, clock=_cut_clock()).status == "failed"
    assert catalog_being_read(merchant=connection.merchant)  # the retry goes on from the page
    result = refresh_catalog(merchant=connection.merchant)
    assert result.ok and result.products == 450 and result.groups == 0  # the groups were read before
    assert not catalog_being_read(merchant=connection.merchant)


def test_a_read_left_cut_for_too_long_is_started_over_and_no_longer_holds_syncs(evotor_emulator, connection, settings):
    evotor_emulator.add_merchant(token="tok-1", stores=1, groups=1, products=450)
    refresh_catalog(merchant=connection.merchant, clock=_cut_clock())
    refresh_catalog(merchant=connection.merchant, clock=_cut_clock())
    CatalogRead.objects.update(updated_at=timezone.now() - timedelta(seconds=settings.CATALOG_READ_STALE_SECONDS + 1))
    assert not catalog_being_read(merchant=connection.merchant)
    result = refresh_catalog(merchant=connection.merchant)
    assert result.ok and result.groups == 1 and result.products == 450  # from the stores again
    assert not CatalogRead.objects.exists()


def test_a_token_refused_during_a_cut_read_drops_the_read(evotor_emulator, connection):
    evotor_emulator.add_merchant(token="tok-1", stores=1, groups=1, products=450)
    refresh_catalog(merchant=connection.merchant, clock=_cut_clock())
    evotor_emulator.fail_next(401)
    assert refresh_catalog(merchant=connection.merchant, clock=_cut_clock()).status == "broken"
    assert not catalog_being_read(merchant=connection.merchant)


def test_a_store_deleted_in_evotor_while_a_cut_read_waits_is_passed_over_and_the_read_ends(evotor_emulator, connection):
    ids = evotor_emulator.add_merchant(token="tok-1", stores=2, groups=1, products=450)
    assert refresh_catalog(merchant=connection.merchant, clock=_cut_clock()).status == "reading"  # the stores
    first = CatalogRead.objects.get().stores_left[0]  # the store the next task reads first
    evotor_emulator.remove_store("tok-1", first)
    result = refresh_catalog(merchant=connection.merchant)
    assert result.ok, result.error
    assert not catalog_being_read(merchant=connection.merchant)
    other = next(store_id for store_id in ids["stores"] if store_id != first)
    assert Product.objects.filter(store__evotor_id=other, removed=False).count() == 450


def test_picture_checks_whose_turn_at_evotor_comes_after_the_deadline_wait_for_the_next_task(evotor_emulator):
    ids = evotor_emulator.add_merchant(token="tok-paused", stores=1, groups=1, products=20, image_share=0.5)
    connection = EvotorConnectionFactory(token="tok-paused")  # a token of its own: its pause holds no other test
    refresh_catalog(merchant=connection.merchant)
    Store.objects.filter(evotor_id=ids["stores"][0]).update(sync_enabled=True)
    pacer, key = evotor_rate_limiter(), token_key("tok-paused", "evotor")
    pacer.pause(key, 60.0)  # Evotor said the token has nothing left for a minute
    clock = Slice(20.0, task="catalog.check_pictures")
    started = time.monotonic()
    try:
        result = learn_pictures(merchant=connection.merchant, clock=clock)
    finally:
        pacer.pause(key, 0.001)  # the pause lifted
    assert time.monotonic() - started < 20.0  # not asleep in the worker's slot (a wait would have taken a minute)
    assert result.images_left and result.images_checked == 0
    assert 30.0 < clock.resume_in <= 60.0  # the next task is queued with the wait as its countdown
    assert evotor_emulator.request_counts["GET /stores/{store_id}/products/{product_id}/images"] == 0


def test_a_picture_check_whose_answer_comes_after_the_deadline_is_cut_there_and_made_by_the_next_task(
    evotor_emulator,
):
    """A picture-learning slice of 6.4 s in the fleet bench (docs/benchmarks.md): its checks were judged before they
    started, but a slow answer held the slot past the deadline. The answer is awaited only until the deadline now
    (the slice's first check anyway): the check is cut, the product stays to check, and the next task checks it."""
    ids = evotor_emulator.add_merchant(token="tok-slow", stores=1, groups=1, products=20, image_share=1.0)
    connection = EvotorConnectionFactory(token="tok-slow")
    refresh_catalog(merchant=connection.merchant)
    Store.objects.filter(evotor_id=ids["stores"][0]).update(sync_enabled=True)
    evotor_emulator.slow_next(0.01, times=1, path="/images")  # the slice's first check: quick
    evotor_emulator.slow_next(6.0, times=1, path="/images")  # the next answers 6 s late
    clock = Slice(2.0, task="catalog.check_pictures")
    started = time.monotonic()
    result = learn_pictures(merchant=connection.merchant, clock=clock)
    assert time.monotonic() - started < 4.0  # not the 6 s of the slow answer
    assert result.images_left and result.images_checked == 1
    evotor_emulator.clear_faults()
    result = learn_pictures(merchant=connection.merchant)  # the next task, to the end
    assert not result.images_left and result.images_checked == 19
    assert not Product.objects.filter(merchant=connection.merchant, images_checked_at=None).exists()
