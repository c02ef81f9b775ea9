"""The register → VK fast path end to end: the Evotor emulator sells and notifies (a receipt to
`/api/v2/receipts`, a store document), EvoSync re-reads those products from the emulator and pushes their stock
and price alone into the VK emulator — no catalog read, no shop read."""

import pytest
from django.core.cache import cache

from catalog.models import Product, StockRecheck, Store
from catalog.tests.factories import StockRecheckFactory
from catalog.triggers import refresh_soon_key
from vksync import stock
from vksync.engine import run_sync
from vksync.models import ProductLink, SyncRun, SyncSettings
from vksync.tests.helpers import items_by_sku, writes
from webhooks.models import WebhookEvent
from webhooks.services import api_token_for

RECEIPTS = "/api/v2/receipts"


@pytest.fixture
def fast(shop, client, settings):
    """The shop synced once with stock sent to VK; the emulator's notifications go to the test client."""
    SyncSettings.objects.filter(merchant=shop.merchant).update(send_stock=True)
    assert run_sync(merchant=shop.merchant).status == SyncRun.Status.DONE
    cache.delete(refresh_soon_key(shop.merchant.pk, "stock"))
    shop.client = client
    shop.user_token = api_token_for(shop.ids["user_id"])
    shop.vk.reset_log()
    shop.evotor.request_counts.clear()
    yield shop
    cache.delete(refresh_soon_key(shop.merchant.pk, "stock"))


def post_receipt(shop, receipt: dict, token: str | None = None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token or shop.user_token}"}
    return shop.client.post(RECEIPTS, data=receipt, content_type="application/json", **headers)


def deliver(shop, capture, *receipts):
    """Post the receipts; run what they queued (the recheck, then the push) as the worker would."""
    cache.delete(refresh_soon_key(shop.merchant.pk, "stock"))
    with capture(execute=True):
        answers = [post_receipt(shop, receipt).status_code for receipt in receipts]
    return answers


def on_sale(shop, **filters) -> Product:
    return (
        Product.objects.filter(merchant=shop.merchant, quantity__gt=5, allow_to_sell=True, **filters)
        .exclude(vk_links__vk_item_id=None)
        .first()
    )


def test_a_sale_reaches_vk_as_one_stock_edit_without_reading_the_catalog(fast, django_capture_on_commit_callbacks):
    product = on_sale(fast)
    receipt = fast.evotor.sell(fast.token, product.evotor_id, 3)
    assert deliver(fast, django_capture_on_commit_callbacks, receipt) == [200]
    left = int(product.quantity) - 3
    assert items_by_sku(fast)[product.evotor_id].stock_amount == left
    assert writes(fast) == ["market.edit"]
    assert fast.vk.methods_called().count("execute") == 1  # one request, no read of the shop
    assert not any("/products" == key[-9:] for key in fast.evotor.request_counts)  # no catalog read
    assert fast.evotor.request_counts["GET /stores/{store_id}/products/{product_id}"] == 1
    run = SyncRun.objects.filter(merchant=fast.merchant).first()
    assert (run.trigger, run.status, run.updated) == (SyncRun.Trigger.STOCK, SyncRun.Status.DONE, 1)


def test_the_same_receipt_twice_moves_nothing_twice(fast, django_capture_on_commit_callbacks):
    product = on_sale(fast)
    receipt = fast.evotor.sell(fast.token, product.evotor_id, 2)
    assert deliver(fast, django_capture_on_commit_callbacks, receipt, receipt) == [200, 200]
    assert deliver(fast, django_capture_on_commit_callbacks, receipt) == [200]
    assert WebhookEvent.objects.filter(kind=WebhookEvent.Kind.RECEIPT).count() == 1
    assert writes(fast) == ["market.edit"]
    assert fast.evotor.request_counts["GET /stores/{store_id}/products/{product_id}"] == 1


def test_a_late_older_receipt_never_puts_older_stock_over_newer(fast, django_capture_on_commit_callbacks):
    product = on_sale(fast)
    older = fast.evotor.sell(fast.token, product.evotor_id, 1)
    newer = fast.evotor.sell(fast.token, product.evotor_id, 2)
    deliver(fast, django_capture_on_commit_callbacks, newer)
    deliver(fast, django_capture_on_commit_callbacks, older)
    assert items_by_sku(fast)[product.evotor_id].stock_amount == int(product.quantity) - 3
    assert writes(fast) == ["market.edit"]  # the late receipt found VK already holding the stock
    product.refresh_from_db()
    assert product.quantity == product.quantity.__class__(int(product.quantity))


def test_an_older_answer_from_evotor_is_not_written_over_a_newer_cache(fast):
    product = on_sale(fast)
    Product.objects.filter(pk=product.pk).update(evotor_updated_at="2100-01-01T00:00:00Z", quantity=1)
    fast.evotor.sell(fast.token, product.evotor_id, 2, notify=False)
    StockRecheckFactory(
        merchant=fast.merchant, store_evotor_id=product.store.evotor_id, product_evotor_id=product.evotor_id
    )
    from catalog.stock import recheck_stock

    result = recheck_stock(merchant=fast.merchant)
    assert (result.checked, result.changed) == (1, 0)
    product.refresh_from_db()
    assert product.quantity == 1


def test_selling_the_last_ones_hides_the_item(fast, django_capture_on_commit_callbacks):
    product = on_sale(fast)
    receipt = fast.evotor.sell(fast.token, product.evotor_id, float(product.quantity))
    deliver(fast, django_capture_on_commit_callbacks, receipt)
    item = fast.vk.shop(fast.group_id).items[ProductLink.objects.get(product=product).vk_item_id]
    assert item.hidden
    assert ProductLink.objects.get(product=product).state == ProductLink.State.HIDDEN


def test_a_receipt_for_an_unpublished_product_moves_nothing_in_vk(fast, django_capture_on_commit_callbacks):
    Store.objects.filter(merchant=fast.merchant).update(sync_enabled=False)
    product = Product.objects.filter(merchant=fast.merchant, quantity__gt=5).first()
    receipt = fast.evotor.sell(fast.token, product.evotor_id, 3)
    assert deliver(fast, django_capture_on_commit_callbacks, receipt) == [200]
    assert fast.vk.request_count == 0
    product.refresh_from_db()
    assert product.quantity == fast.evotor.product(fast.token, product.evotor_id)["quantity"]  # the cache follows


def test_a_full_sync_after_the_push_has_nothing_left_to_write(fast, django_capture_on_commit_callbacks):
    product = on_sale(fast)
    deliver(fast, django_capture_on_commit_callbacks, fast.evotor.sell(fast.token, product.evotor_id, 3))
    fast.vk.reset_log()
    run = run_sync(merchant=fast.merchant)
    assert run.status == SyncRun.Status.DONE
    assert writes(fast) == []  # the link records what VK holds after the stock edit


def test_a_receipt_with_a_bad_token_is_refused_in_evotors_format(fast):
    receipt = fast.evotor.sell(fast.token, on_sale(fast).evotor_id, 1)
    for token in ("nonsense", api_token_for("01-999999999999999"), "01-000000000000077.forged"):
        response = post_receipt(fast, receipt, token=token)
        assert response.status_code == 401
        assert response.json() == {"errors": [{"code": 1002, "reason": "bad user token"}]}
    assert fast.client.post(RECEIPTS, data=receipt, content_type="application/json").status_code == 401
    assert not WebhookEvent.objects.exists()


def test_unknown_fields_and_odd_shapes_are_tolerated(fast, django_capture_on_commit_callbacks):
    product = on_sale(fast)
    receipt = fast.evotor.sell(fast.token, product.evotor_id, 1)
    receipt["somethingNew"] = {"nested": [1, 2]}
    receipt["data"]["items"].append("not an item")
    receipt["data"]["items"].append({"id": {"weird": True}})
    receipt["data"]["extras"] = None
    assert deliver(fast, django_capture_on_commit_callbacks, receipt) == [200]
    assert items_by_sku(fast)[product.evotor_id].stock_amount == int(product.quantity) - 1
    for body in ({}, {"data": "text"}, {"data": {"items": "none"}}, {"id": 5, "data": {"items": [None]}}):
        assert post_receipt(fast, body).status_code == 200


def test_a_burst_of_fifty_receipts_is_one_recheck_and_one_push(fast, django_capture_on_commit_callbacks):
    products = list(
        Product.objects.filter(merchant=fast.merchant, quantity__gt=60, allow_to_sell=True).exclude(
            vk_links__vk_item_id=None
        )[:5]
    )
    receipts = [fast.evotor.sell(fast.token, products[n % len(products)].evotor_id, 1) for n in range(50)]
    with django_capture_on_commit_callbacks() as queued:
        assert {post_receipt(fast, receipt).status_code for receipt in receipts} == {200}
    assert len(queued) == 1  # one recheck for the burst; the 50 receipts ride along
    assert StockRecheck.objects.filter(merchant=fast.merchant).count() == len(products)
    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()
    assert SyncRun.objects.filter(merchant=fast.merchant, trigger=SyncRun.Trigger.STOCK).count() == 1
    assert fast.vk.methods_called().count("execute") == 1
    by_sku = items_by_sku(fast)
    for product in products:
        assert by_sku[product.evotor_id].stock_amount == int(product.quantity) - 10


def test_a_push_never_runs_beside_a_full_sync_and_follows_it(fast):
    product = on_sale(fast)
    fast.evotor.sell(fast.token, product.evotor_id, 3, notify=False)
    from catalog.stock import note_stock_moved, recheck_stock

    note_stock_moved(merchant_id=fast.merchant.pk, products=[["", product.evotor_id]])
    before = recheck_stock(merchant=fast.merchant).before
    full = SyncRun.objects.create(merchant=fast.merchant, trigger=SyncRun.Trigger.MANUAL)
    from vksync import runs

    assert runs.claim(full)
    assert stock.push_stock(merchant=fast.merchant, before=before) is None  # refused: the full run holds it
    assert fast.vk.request_count == 0
    assert not SyncRun.objects.filter(trigger=SyncRun.Trigger.STOCK).exists()
    runs.close(full, SyncRun.Status.DONE)
    run = stock.push_stock(merchant=fast.merchant, before=before)
    assert run.status == SyncRun.Status.DONE
    assert items_by_sku(fast)[product.evotor_id].stock_amount == int(product.quantity) - 3


def test_a_full_sync_asked_during_a_push_runs_after_it(fast):
    from vksync import runs, triggers

    push = SyncRun.objects.create(merchant=fast.merchant, trigger=SyncRun.Trigger.STOCK)
    assert runs.claim(push)
    assert runs.waiting_run(fast.merchant) is None  # a push about to start absorbs no full sync
    assert triggers.request_sync(merchant=fast.merchant, trigger=SyncRun.Trigger.MANUAL) is None  # marked dirty
    runs.close(push, SyncRun.Status.DONE)
    followed = triggers.run_pending(merchant=fast.merchant)
    assert followed is not None and followed.trigger == SyncRun.Trigger.MANUAL


@pytest.fixture
def polling(fast, settings):
    from connections.evotor.events import CURSOR_KEY

    settings.EVOTOR_EVENTS_POLLING = True
    settings.EVOTOR_APP_ID = fast.evotor.app_id
    settings.EVOTOR_PUBLISHER_TOKEN = fast.evotor.publisher_token
    cache.delete(CURSOR_KEY)
    yield fast
    cache.delete(CURSOR_KEY)


def test_where_notifications_are_off_polling_the_events_api_brings_the_sale(
    polling, django_capture_on_commit_callbacks
):
    from connections.evotor.events import poll_events

    product = on_sale(polling)
    polling.evotor.sell(polling.token, product.evotor_id, 4, notify=False)  # no webhook configured
    with django_capture_on_commit_callbacks(execute=True):
        told = poll_events()
        assert told == 1
    assert items_by_sku(polling)[product.evotor_id].stock_amount == int(product.quantity) - 4
    assert polling.evotor.request_counts["GET /api/apps/{app_id}/events"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        cache.delete(refresh_soon_key(polling.merchant.pk, "stock"))
        poll_events()  # the same event again (the windows overlap): read again, nothing to push
    assert writes(polling) == ["market.edit"]


def test_polling_is_off_by_default_and_then_asks_evotor_nothing(polling, settings):
    from connections.evotor.events import poll_events
    from evosync.schedules import declared_tasks
    from evosync.settings.evotor import EVOTOR_EVENTS_POLLING

    assert EVOTOR_EVENTS_POLLING is False  # the setting's default

    assert "connections.poll_evotor_events" in {spec.task for spec in declared_tasks()}
    settings.EVOTOR_EVENTS_POLLING = False
    assert poll_events() == 0
    assert sum(polling.evotor.request_counts.values()) == 0
    assert "connections.poll_evotor_events" not in {spec.task for spec in declared_tasks()}


def test_a_publisher_token_evotor_refuses_polls_nothing(polling, settings):
    from connections.evotor.events import poll_events

    settings.EVOTOR_PUBLISHER_TOKEN = "wrong"
    polling.evotor.sell(polling.token, on_sale(polling).evotor_id, 1, notify=False)
    assert poll_events() == 0
    assert not StockRecheck.objects.exists()


def test_a_sale_of_a_product_without_a_vk_item_leaves_no_run_behind(fast, django_capture_on_commit_callbacks):
    Store.objects.filter(merchant=fast.merchant).update(sync_enabled=False)
    unlinked = Product.objects.filter(merchant=fast.merchant, quantity__gt=5, vk_links__isnull=True).first()
    deliver(fast, django_capture_on_commit_callbacks, fast.evotor.sell(fast.token, unlinked.evotor_id, 2))
    assert not SyncRun.objects.filter(trigger=SyncRun.Trigger.STOCK).exists()


def test_a_full_sync_already_waiting_absorbs_the_stock_push(fast, django_capture_on_commit_callbacks):
    from vksync import runs

    product = on_sale(fast)
    waiting = runs.new_run(merchant=fast.merchant, trigger=SyncRun.Trigger.REFRESH)  # its task comes in a minute
    deliver(fast, django_capture_on_commit_callbacks, fast.evotor.sell(fast.token, product.evotor_id, 3))
    assert fast.vk.request_count == 0  # nothing pushed now: the waiting run reads the new stock from the cache
    product.refresh_from_db()
    assert product.quantity == fast.evotor.product(fast.token, product.evotor_id)["quantity"]
    runs.drop_unclaimed(waiting)
    run = run_sync(merchant=fast.merchant)
    assert run.status == SyncRun.Status.DONE
    assert items_by_sku(fast)[product.evotor_id].stock_amount == int(product.quantity)


def test_goods_accepted_in_the_back_office_bring_a_hidden_item_back(fast, django_capture_on_commit_callbacks, client):
    product = on_sale(fast)
    deliver(fast, django_capture_on_commit_callbacks, fast.evotor.sell(fast.token, product.evotor_id, 1000))
    link = ProductLink.objects.get(product=product)
    assert link.state == ProductLink.State.HIDDEN
    fast.evotor.notify_to("http://unused.invalid", {})  # the store document is posted below, as Evotor would
    fast.evotor.update_product(fast.token, product.evotor_id, quantity=12)
    document = {"uuid": "acceptance-1", "type": "ACCEPT", "body": {"positions": [{"productUuid": product.evotor_id}]}}
    cache.delete(refresh_soon_key(fast.merchant.pk, "stock"))
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.put(
            f"/api/v1/inventories/stores/{product.store.evotor_id}/documents",
            data=document,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {fast.user_token}",
        )
    assert answer.status_code == 200
    item = fast.vk.shop(fast.group_id).items[link.vk_item_id]
    assert (item.hidden, item.stock_amount) == (False, 12)
    assert ProductLink.objects.get(pk=link.pk).state == ProductLink.State.ACTIVE


def test_a_push_with_a_revoked_vk_token_marks_the_connection_broken(fast, django_capture_on_commit_callbacks):
    from connections.models import VkConnection
    from emulators.vk.fixtures import TEST_TOKEN

    fast.vk.revoke_token(TEST_TOKEN)
    product = on_sale(fast)
    deliver(fast, django_capture_on_commit_callbacks, fast.evotor.sell(fast.token, product.evotor_id, 1))
    run = SyncRun.objects.get(merchant=fast.merchant, trigger=SyncRun.Trigger.STOCK)
    assert run.status == SyncRun.Status.FAILED and "Подключение VK не работает" in run.error
    assert VkConnection.objects.get(merchant=fast.merchant).status == VkConnection.Status.BROKEN


def test_an_item_vk_refuses_is_recorded_and_the_others_are_pushed(fast, django_capture_on_commit_callbacks):
    products = list(
        Product.objects.filter(merchant=fast.merchant, quantity__gt=5, allow_to_sell=True).exclude(
            vk_links__vk_item_id=None
        )[:2]
    )
    receipts = [fast.evotor.sell(fast.token, product.evotor_id, 1) for product in products]
    fast.vk.fail_next("market.edit", 1403)  # the first item was deleted by hand in VK
    deliver(fast, django_capture_on_commit_callbacks, *receipts)
    links = [ProductLink.objects.get(product=product) for product in products]
    gone = [link for link in links if link.pushed_hash == ""]  # the next full sync creates it again
    assert len(gone) == 1
    pushed = next(product for product, link in zip(products, links, strict=True) if link.pushed_hash)
    assert items_by_sku(fast)[pushed.evotor_id].stock_amount == int(pushed.quantity) - 1
    assert SyncRun.objects.get(trigger=SyncRun.Trigger.STOCK).failed == 1
