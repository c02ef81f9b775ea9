"""A catalog read longer than a worker task's slice stops between two pages of products and goes on in the next
task (`CatalogRead`): the same catalog as a whole read, each page read once, nothing marked removed half-way."""

from datetime import timedelta

import pytest
from celery.signals import task_prerun
from django.utils import timezone

from catalog import tasks
from catalog.models import CatalogRead, Product
from catalog.services import refresh_catalog
from catalog.signals import catalog_changed
from connections.tests.factories import EvotorConnectionFactory
from core.slices import Slice

pytestmark = pytest.mark.django_db

PRODUCT_PAGES = "GET /stores/{store_id}/products"


@pytest.fixture
def catalog(evotor_emulator):
    evotor_emulator.page_size = 40  # 150 products a store: 4 pages
    return evotor_emulator.add_merchant(token="tok-1", stores=2, groups=6, products=150)


@pytest.fixture
def connection():
    return EvotorConnectionFactory(token="tok-1")


@pytest.fixture
def announced():
    heard = []

    def note(sender, merchant, **kwargs):
        heard.append(merchant.pk)

    catalog_changed.connect(note, weak=False)
    yield heard
    catalog_changed.disconnect(note)


def one_page_slice() -> Slice:
    """A worker task's slice whose deadline has passed: it reads one page, then stops."""
    return Slice(0.001, task="catalog.refresh_catalog")


def test_a_read_longer_than_the_slice_goes_on_page_by_page_in_later_tasks_behind_fresh_work(
    evotor_emulator, catalog, connection, announced, settings
):
    settings.SYNC_SLICE_SECONDS = 0.001  # each task reads one page of products
    seen = []

    def note(sender=None, task=None, **_):
        seen.append((sender.name, task.request.delivery_info.get("priority")))

    task_prerun.connect(note, weak=False)
    try:
        assert tasks.refresh_catalog.delay(connection.merchant_id).get() == "ok"
    finally:
        task_prerun.disconnect(note)
    assert seen == [("catalog.refresh_catalog", None)] + [("catalog.refresh_catalog", settings.LATER_WORK_PRIORITY)] * 7
    assert evotor_emulator.request_counts[PRODUCT_PAGES] == 8  # each page once
    assert evotor_emulator.request_counts["GET /stores"] == 1  # the stores once, at the read's start
    assert Product.objects.filter(merchant=connection.merchant, removed=False).count() == 300
    assert announced == [connection.merchant_id]  # once, when the read was whole
    assert not CatalogRead.objects.exists()


def test_a_product_gone_from_evotor_is_marked_removed_only_once_its_store_was_read_whole(
    evotor_emulator, catalog, connection, announced
):
    refresh_catalog(merchant=connection.merchant)
    store_id = catalog["stores"][0]
    gone = sorted(catalog["products"][store_id])[-1]  # on the store's last page
    evotor_emulator.remove_product("tok-1", gone)
    announced.clear()

    first = refresh_catalog(merchant=connection.merchant, clock=one_page_slice(), sliced_read=True)
    assert first.ok and first.read_left and first.images_checked == 0
    assert not Product.objects.get(evotor_id=gone).removed  # half-way, nothing is taken for gone
    assert announced == []
    read = CatalogRead.objects.get(merchant=connection.merchant)
    assert read.cursor and len(read.seen) == 40

    tasks_taken = 1
    while refresh_catalog(merchant=connection.merchant, clock=one_page_slice(), sliced_read=True).read_left:
        tasks_taken += 1
    assert tasks_taken + 1 == 8
    assert Product.objects.get(evotor_id=gone).removed
    assert Product.objects.filter(merchant=connection.merchant, removed=False).count() == 299
    assert announced == [connection.merchant_id]


def test_a_saved_read_evotor_refuses_to_go_on_with_starts_over(evotor_emulator, catalog, connection):
    assert refresh_catalog(merchant=connection.merchant, clock=one_page_slice(), sliced_read=True).read_left
    evotor_emulator.fail_page(2, 400, times=1)  # the saved cursor: "Invalid cursor"

    result = refresh_catalog(merchant=connection.merchant)  # any refresh takes the read up, without a deadline
    assert result.ok and not result.read_left
    assert Product.objects.filter(merchant=connection.merchant, removed=False).count() == 300
    assert result.removed == 0
    assert evotor_emulator.request_counts["GET /stores"] == 2  # the read again from the stores
    assert evotor_emulator.request_counts[PRODUCT_PAGES] == 1 + 1 + 8  # page 1, the refused page 2, the whole read
    assert not CatalogRead.objects.exists()


def test_a_store_gone_from_evotor_during_a_read_is_marked_removed_by_the_read_from_the_start(
    evotor_emulator, catalog, connection
):
    assert refresh_catalog(merchant=connection.merchant, clock=one_page_slice(), sliced_read=True).read_left
    being_read = CatalogRead.objects.get().store
    evotor_emulator.remove_store("tok-1", being_read.evotor_id)

    result = refresh_catalog(merchant=connection.merchant)
    assert result.ok and not result.read_left
    being_read.refresh_from_db()
    assert being_read.removed
    assert Product.objects.filter(merchant=connection.merchant, store__removed=False).count() == 150


def test_a_read_saved_too_long_ago_starts_over(evotor_emulator, catalog, connection, settings):
    assert refresh_catalog(merchant=connection.merchant, clock=one_page_slice(), sliced_read=True).read_left
    stale = timezone.now() - timedelta(seconds=settings.CATALOG_READ_KEEP_SECONDS + 1)
    CatalogRead.objects.update(saved_at=stale)

    result = refresh_catalog(merchant=connection.merchant)
    assert result.ok and not result.read_left
    assert evotor_emulator.request_counts["GET /stores"] == 2  # read again from the stores
    assert evotor_emulator.request_counts[PRODUCT_PAGES] == 1 + 8
    assert not CatalogRead.objects.exists()


def test_a_read_without_a_slice_is_whole_in_one_call(evotor_emulator, catalog, connection):
    result = refresh_catalog(merchant=connection.merchant, clock=one_page_slice())  # not `sliced_read`: a sync's
    assert result.ok and not result.read_left
    assert Product.objects.filter(merchant=connection.merchant).count() == 300
    assert not CatalogRead.objects.exists()


def test_a_read_s_next_task_reads_nothing_when_another_refresh_finished_the_read(evotor_emulator, catalog, connection):
    assert refresh_catalog(merchant=connection.merchant, clock=one_page_slice(), sliced_read=True).read_left
    refresh_catalog(merchant=connection.merchant)  # the beat's refresh came first: it takes the read up to the end
    before = evotor_emulator.request_count

    assert tasks.refresh_catalog.delay(connection.merchant_id, go_on=True).get() == "read already"
    assert evotor_emulator.request_count == before  # not a whole read again


def test_staff_see_a_read_under_way_in_the_admin_without_its_list_of_products(
    evotor_emulator, catalog, connection, admin_client
):
    assert refresh_catalog(merchant=connection.merchant, clock=one_page_slice(), sliced_read=True).read_left
    read = CatalogRead.objects.get()
    listing = admin_client.get("/admin/catalog/catalogread/")
    assert listing.status_code == 200 and connection.merchant.email in listing.content.decode()
    page = admin_client.get(f"/admin/catalog/catalogread/{read.pk}/change/").content.decode()
    assert "товаров магазина прочитано" in page.lower() and read.seen[0] not in page
