"""The merchant's /sync pages."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from catalog.models import Product
from catalog.tests.factories import StoreFactory
from vkshop.tests.factories import VkItemFactory
from vksync.models import ProductLink, SyncRun, SyncSettings
from vksync.tests.factories import SyncItemErrorFactory, SyncRunFactory, SyncSettingsFactory
from vksync.tests.helpers import SETTINGS_FORM


@pytest.fixture
def big_shop(merchant):
    """The logged-in merchant with 10,000 products, all linked to VK items, some failed, and a history of runs."""
    store = StoreFactory(merchant=merchant)
    Product.objects.bulk_create(
        [Product(merchant=merchant, store=store, evotor_id=f"p-{n}", name=f"Товар {n}") for n in range(10_000)],
        batch_size=2000,
    )
    ids = list(Product.objects.filter(merchant=merchant).values_list("id", flat=True))
    ProductLink.objects.bulk_create(
        [
            ProductLink(
                merchant=merchant,
                product_id=pid,
                group_id=7001,
                sku=f"p-{n}",
                vk_item_id=n + 1,
                state="active",
                last_error="VK не принял фото товара (код 1433)" if n % 100 == 0 else "",
                last_error_code=1433 if n % 100 == 0 else None,
            )
            for n, pid in enumerate(ids)
        ],
        batch_size=2000,
    )
    for status in ["done", "failed", "done", "running"]:
        run = SyncRunFactory(
            merchant=merchant, status=status, progress={"items": {"done": 5, "total": 10}}, requests={"total": 3}
        )
        SyncItemErrorFactory(run=run)
    return merchant


def test_sync_page_stays_within_20_queries_at_10000_products(client, big_shop, django_assert_max_num_queries):
    SyncSettingsFactory(merchant=big_shop)
    rejected = {"title": "Товар отклонён", "description": "Запрещённая категория"}
    VkItemFactory(merchant=big_shop, title="Товар 0", reject_info=rejected)
    # 12 for the page, a constant 7 for the one count (with the open VK orders' reservations), the VK shop
    # beside it and what a sync would lack, and 1 for the current shop's permissions (accounts.access.grants_of).
    with django_assert_max_num_queries(20):
        response = client.get(reverse("sync"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "VK не принял фото товара" in text
    assert "Повторить" in text
    assert "Последние запуски" in text
    assert "Запрещённая категория" in text


def test_progress_endpoint_reports_the_current_run(client, big_shop, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        data = client.get(reverse("sync_progress")).json()
    assert data["active"] is True
    assert data["progress"]["items"] == {"done": 5, "total": 10}


def test_pages_need_login(client, db):
    assert client.get(reverse("sync")).status_code == 302
    assert client.get(reverse("sync_settings")).status_code == 302


def test_retry_of_another_merchants_item_is_404(client, big_shop):
    other = UserFactory()
    client.force_login(other)
    link = ProductLink.objects.filter(merchant=big_shop).first()
    assert client.post(reverse("sync_retry_item", args=[link.pk])).status_code == 404


def test_retry_forgets_the_pushed_hash_and_queues_a_run(client, big_shop, django_capture_on_commit_callbacks):
    SyncRun.objects.filter(merchant=big_shop).update(status="done")
    link = ProductLink.objects.filter(merchant=big_shop).exclude(last_error="").first()
    ProductLink.objects.filter(pk=link.pk).update(pushed_hash="abc")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("sync_retry_item", args=[link.pk]))
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.pushed_hash == "" and link.last_error == ""
    assert len(callbacks) == 1


def test_plan_waiting_for_confirmation_is_shown(client, merchant):
    SyncRunFactory(
        merchant=merchant,
        status=SyncRun.Status.NEEDS_CONFIRMATION,
        plan_summary={"create": 120, "update": 3, "hide": 7, "adopt": 2},
        error="Проверьте план первой синхронизации и подтвердите его",
    )
    text = client.get(reverse("sync")).content.decode()
    assert "Создать: <strong>120</strong>" in text
    assert "Скрыть: <strong>7</strong>" in text
    assert "Связать с уже существующими в VK: <strong>2</strong>" in text
    assert "Подтвердить и синхронизировать" in text


def test_settings_form_saves_rules_and_rejects_bad_template(client, merchant):
    data = SETTINGS_FORM | {
        "markup_percent": "15",
        "rounding": "99",
        "old_price_markup_percent": "",
        "description_template": "{description}\nАртикул {article}",
        "unavailable_if_no_stock": "on",
        "unavailable_action": "delete",
        "delete_grace_days": 3,
        "brake_percent": "50",
    }
    response = client.post(reverse("sync_settings"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = SyncSettings.objects.get(merchant=merchant)
    assert saved.rounding == "99" and saved.delete_grace_days == 3 and not saved.unavailable_if_not_for_sale
    response = client.post(reverse("sync_settings"), data | {"description_template": "{description} {secret}"})
    assert response.status_code == 200
    assert "Неизвестные поля: secret" in response.content.decode()


def test_category_per_group_is_saved_and_used(client, merchant):
    from catalog.tests.factories import ProductGroupFactory
    from vksync.rules import Rules, item_fields

    store = StoreFactory(merchant=merchant, sync_enabled=True)
    group = ProductGroupFactory(store=store, name="Напитки")
    page = client.get(reverse("sync_settings")).content.decode()
    assert "Категория для группы «Напитки»" in page
    data = SETTINGS_FORM | {f"group_category_{group.evotor_id}": "102"}
    assert client.post(reverse("sync_settings"), data).status_code == 302
    saved = SyncSettings.objects.get(merchant=merchant)
    assert saved.group_categories == {group.evotor_id: 102}
    product = {"evotor_id": "x", "name": "Морс", "price": 10, "parent_evotor_id": group.evotor_id}
    assert item_fields(product, Rules.from_settings(saved))["category_id"] == 102


def test_sync_cannot_be_switched_on_before_the_first_plan_is_confirmed(client, merchant):
    data = SETTINGS_FORM | {"enabled": "on"}
    response = client.post(reverse("sync_settings"), data)
    assert response.status_code == 200
    assert "подтвердите план" in response.content.decode()
    SyncRunFactory(merchant=merchant, status=SyncRun.Status.DONE)
    assert client.post(reverse("sync_settings"), data).status_code == 302
    assert SyncSettings.objects.get(merchant=merchant).enabled
    assert client.post(reverse("sync_settings"), data | {"enabled": ""}).status_code == 302
    assert not SyncSettings.objects.get(merchant=merchant).enabled  # switching off is always allowed
