"""Switching stores or groups on or off re-reads the catalog soon, once for a burst of switches."""

import pytest
from django.core.cache import cache

from catalog.models import Product, ProductGroup, Store
from catalog.services import refresh_catalog
from catalog.triggers import refresh_soon_key
from connections.tests.factories import EvotorConnectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(merchant, evotor_emulator):
    """The logged-in merchant, with an Evotor catalog read once (nothing picked for VK yet)."""
    ids = evotor_emulator.add_merchant(token="tok-pick", seed=3, stores=1, groups=2, products=30, image_share=0.5)
    EvotorConnectionFactory(merchant=merchant, token="tok-pick", evotor_user_id=ids["user_id"])
    refresh_catalog(merchant=merchant)
    cache.delete(refresh_soon_key(merchant.pk, "selection"))
    return merchant


def test_switching_a_store_on_reads_the_pictures_of_its_products(client, merchant, django_capture_on_commit_callbacks):
    store = Store.objects.get(merchant=merchant)
    assert not Product.objects.filter(merchant=merchant).exclude(image_checked_hash="").exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/catalog/stores/{store.pk}/toggle", {"enabled": "1"})
    with_pictures = Product.objects.filter(merchant=merchant).exclude(image_url="")
    assert with_pictures.exists()
    assert not Product.objects.filter(merchant=merchant, image_checked_hash="").exists()


def test_a_burst_of_switches_queues_one_refresh(client, merchant, evotor_emulator, django_capture_on_commit_callbacks):
    store = Store.objects.get(merchant=merchant)
    group = ProductGroup.objects.filter(merchant=merchant).first()
    before = evotor_emulator.request_counts["GET /stores"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(f"/catalog/stores/{store.pk}/toggle", {"enabled": "1"})
        client.post(f"/catalog/stores/{store.pk}/groups/{group.pk}/toggle", {"enabled": "0"})
        client.post(f"/catalog/stores/{store.pk}/groups/{group.pk}/toggle", {"enabled": "1"})
    assert len(callbacks) == 1
    assert evotor_emulator.request_counts["GET /stores"] == before + 1


def test_a_switch_that_changes_nothing_queues_nothing(client, merchant, django_capture_on_commit_callbacks):
    store = Store.objects.get(merchant=merchant)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(f"/catalog/stores/{store.pk}/toggle", {"enabled": "0"})
    assert callbacks == []
