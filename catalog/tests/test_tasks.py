"""The catalog's Celery tasks are thin: they call the refresh and retry only what may pass."""

import pytest
from celery.exceptions import Retry
from celery.signals import task_prerun

from catalog import tasks
from catalog.models import CatalogRead, Product, Store
from catalog.selectors import pictures_to_check, published_products
from catalog.signals import catalog_changed
from connections.tests.factories import EvotorConnectionFactory

pytestmark = pytest.mark.django_db


def test_refresh_task_refreshes_one_merchant(evotor_emulator):
    evotor_emulator.add_merchant(token="tok-1", stores=1, groups=1, products=7)
    connection = EvotorConnectionFactory(token="tok-1")
    assert tasks.refresh_catalog.delay(connection.merchant_id).get() == "ok"
    assert Product.objects.filter(merchant=connection.merchant).count() == 7


def test_refresh_task_for_a_missing_merchant_does_nothing():
    assert tasks.refresh_catalog.delay(999_999).get() == "no such merchant"


def test_refresh_task_retries_when_evotor_is_temporarily_down(evotor_emulator, settings, monkeypatch):
    settings.EVOTOR_MAX_RETRIES = 0
    evotor_emulator.add_merchant(token="tok-1", stores=1, groups=1, products=3)
    connection = EvotorConnectionFactory(token="tok-1")
    evotor_emulator.fail_next(503, times=100)
    retried = []

    def fake_retry(*args, **kwargs):
        retried.append(kwargs.get("countdown"))
        raise Retry()

    monkeypatch.setattr(tasks.refresh_catalog, "retry", fake_retry)
    with pytest.raises(Retry):
        tasks.refresh_catalog.run(connection.merchant_id)
    assert retried == [60]


def test_refresh_task_does_not_retry_a_refused_token(evotor_emulator):
    connection = EvotorConnectionFactory(token="revoked")
    assert tasks.refresh_catalog.delay(connection.merchant_id).get() == "broken"


def test_refresh_all_task_counts_merchants(evotor_emulator):
    evotor_emulator.add_merchant(token="tok-1", stores=1, groups=1, products=2)
    EvotorConnectionFactory(token="tok-1")
    EvotorConnectionFactory(token="revoked")
    assert tasks.refresh_all_catalogs.delay().get() == {"merchants": 2, "ok": 1}


def test_picture_checks_that_outlast_a_task_budget_go_on_in_next_tasks_behind_fresh_work(evotor_emulator, settings):
    ids = evotor_emulator.add_merchant(token="tok-1", stores=1, groups=1, products=6, image_share=0.5)
    connection = EvotorConnectionFactory(token="tok-1")
    tasks.refresh_catalog.delay(connection.merchant_id).get()
    Store.objects.filter(evotor_id=ids["stores"][0]).update(sync_enabled=True)
    settings.SYNC_SLICE_SECONDS = 0.001  # a task's budget: each task reads one step, or checks one product's pictures
    tasks_seen = []

    def note(sender=None, task=None, **_):
        tasks_seen.append((sender.name, task.request.delivery_info.get("priority")))

    task_prerun.connect(note, weak=False)
    try:
        tasks.refresh_catalog.delay(connection.merchant_id).get()
    finally:
        task_prerun.disconnect(note)
    selected = published_products(merchant=connection.merchant).count()
    # the refresh as queued; the rest of its read and the checks it left behind fresh work (LATER_WORK_PRIORITY)
    assert tasks_seen[0] == ("catalog.refresh_catalog", None)
    assert {priority for _name, priority in tasks_seen[1:]} == {settings.LATER_WORK_PRIORITY}
    checks = [name for name, _priority in tasks_seen if name == "catalog.check_pictures"]
    assert selected - 1 <= len(checks) <= selected  # one check a task (the refresh's last task may do one)
    assert evotor_emulator.request_counts["GET /stores/{store_id}/products/{product_id}/images"] == selected
    assert not pictures_to_check(merchant=connection.merchant).exists()


def test_a_refresh_cut_at_its_budget_goes_on_in_next_tasks_and_announces_the_catalog_once(evotor_emulator, settings):
    evotor_emulator.add_merchant(token="tok-1", stores=2, groups=1, products=5)
    connection = EvotorConnectionFactory(token="tok-1")
    settings.SYNC_SLICE_SECONDS = 0.001  # each task reads one step: the stores, a store's groups, a page
    announced, tasks_seen = [], []

    def note_task(sender=None, **_):
        tasks_seen.append(sender.name)

    def note_announced(sender=None, **_):
        announced.append(sender)

    task_prerun.connect(note_task, weak=False)
    catalog_changed.connect(note_announced, weak=False)
    try:
        assert tasks.refresh_catalog.delay(connection.merchant_id).get() == "reading"
    finally:
        task_prerun.disconnect(note_task)
        catalog_changed.disconnect(note_announced)
    assert tasks_seen.count("catalog.refresh_catalog") >= 5  # stores; then groups and products of each store
    assert Product.objects.filter(merchant=connection.merchant, removed=False).count() == 10
    assert not CatalogRead.objects.exists()
    assert len(announced) == 1
