"""Two merchants connected to one VK community (issue 13: "see each other's shop appear and vanish"): each one's
VK shop pages show their own items and albums only, whoever refreshed or synced last; neither sync touches, adopts
or fills the other's albums and items. Through the Evotor and VK emulators."""

from collections import Counter
from types import SimpleNamespace

import pytest

from accounts.tests.factories import UserFactory
from catalog.models import Product, Store
from catalog.services import refresh_catalog
from connections.tests.factories import EvotorConnectionFactory, VkConnectionFactory
from emulators.vk.fixtures import TEST_GROUP_ID
from vkshop.services import refresh_vk_shop
from vksync.engine import run_sync
from vksync.models import AlbumLink, ProductLink, SyncRun, SyncSettings
from vksync.tests.factories import SyncSettingsFactory
from vksync.tests.helpers import writes

pytestmark = pytest.mark.django_db


def merchant_with_catalog(evotor, n: int) -> SimpleNamespace:
    merchant = UserFactory()
    token = f"tok-twin-{n}"
    ids = evotor.add_merchant(token=token, user_id=f"01-00000000000009{n}", seed=n, stores=1, groups=3, products=15)
    EvotorConnectionFactory(merchant=merchant, token=token, evotor_user_id=ids["user_id"])
    VkConnectionFactory(merchant=merchant)  # the same community for both
    refresh_catalog(merchant=merchant)
    Store.objects.filter(merchant=merchant).update(sync_enabled=True)
    refresh_catalog(merchant=merchant)
    SyncSettingsFactory(merchant=merchant)
    SyncSettings.objects.filter(merchant=merchant).update(enabled=True)
    return SimpleNamespace(merchant=merchant, token=token)


@pytest.fixture
def twins(db, evotor_emulator, vk_emulator, settings):
    settings.VK_RETRY_BACKOFF_SECONDS = 0.01
    return merchant_with_catalog(evotor_emulator, 1), merchant_with_catalog(evotor_emulator, 2)


def sync(vk, merchant) -> SyncRun:
    vk.reset_log()
    run = run_sync(merchant=merchant)
    assert run.status == SyncRun.Status.DONE, run.error
    return run


def page_titles(client, merchant, url) -> list[str]:
    client.force_login(merchant)
    response = client.get(url)
    rows = response.context["rows"] if "rows" in response.context else response.context["albums"]
    return sorted(row["title"] for row in rows)


def own_item_titles(vk, merchant) -> list[str]:
    items = vk.shop(TEST_GROUP_ID).items
    linked = ProductLink.objects.filter(merchant=merchant).exclude(vk_item_id=None).values_list("vk_item_id", flat=True)
    return sorted(items[vk_id].title for vk_id in linked if not items[vk_id].removed)


def own_album_titles(vk, merchant) -> list[str]:
    albums = vk.shop(TEST_GROUP_ID).albums
    return sorted(
        albums[a].title for a in AlbumLink.objects.filter(merchant=merchant).values_list("vk_album_id", flat=True)
    )


def test_each_merchant_sees_only_their_own_items_and_albums_after_the_others_refresh_and_sync(
    client, twins, vk_emulator
):
    a, b = twins
    hand_made = vk_emulator.add_item(TEST_GROUP_ID, "Сделан в VK вручную")
    sync(vk_emulator, a.merchant)
    sync(vk_emulator, b.merchant)
    refresh_vk_shop(merchant=a.merchant)  # A reads the community after B's sync (B read it after its own)
    for me in (a, b):
        mine = own_item_titles(vk_emulator, me.merchant)
        assert len(mine) > 5
        shown = page_titles(client, me.merchant, "/vk-catalog/albums/0/products")
        assert shown == sorted([*mine, "Сделан в VK вручную"])  # theirs never; the community's own, yes
        assert page_titles(client, me.merchant, "/vk-catalog/albums") == own_album_titles(vk_emulator, me.merchant)
    assert hand_made in vk_emulator.shop(TEST_GROUP_ID).items


def test_neither_sync_adopts_or_fills_the_others_albums_and_neither_touches_the_others_items(twins, vk_emulator):
    a, b = twins
    sync(vk_emulator, a.merchant)
    a_albums = set(AlbumLink.objects.filter(merchant=a.merchant).values_list("vk_album_id", flat=True))
    a_items = {item.id: (item.title, tuple(item.album_ids)) for item in vk_emulator.shop(TEST_GROUP_ID).items.values()}
    sync(vk_emulator, b.merchant)  # B's groups have the same names as A's ("Бакалея"…)
    b_albums = set(AlbumLink.objects.filter(merchant=b.merchant).values_list("vk_album_id", flat=True))
    assert a_albums and b_albums and not a_albums & b_albums
    items = vk_emulator.shop(TEST_GROUP_ID).items
    assert {vk_id: (items[vk_id].title, tuple(items[vk_id].album_ids)) for vk_id in a_items} == a_items
    for me, albums in ((a, a_albums), (b, b_albums)):
        linked = ProductLink.objects.filter(merchant=me.merchant).exclude(vk_item_id=None)
        assert all(set(items[link.vk_item_id].album_ids) <= albums for link in linked)
    sync(vk_emulator, a.merchant)
    assert writes(SimpleNamespace(vk=vk_emulator)) == []
    sync(vk_emulator, b.merchant)
    assert writes(SimpleNamespace(vk=vk_emulator)) == []


def test_an_item_of_one_merchant_is_never_adopted_by_the_other_even_with_the_same_sku(twins, vk_emulator):
    """Both sell the same product keyed by its barcode: each gets an item of their own."""
    a, b = twins
    for me in (a, b):
        SyncSettings.objects.filter(merchant=me.merchant).update(sku_key="barcode")
        product = Product.objects.filter(merchant=me.merchant, quantity__gt=0, allow_to_sell=True).order_by("pk")[0]
        Product.objects.filter(pk=product.pk).update(barcodes=["4600000000017"])
    sync(vk_emulator, a.merchant)
    sync(vk_emulator, b.merchant)
    same = [item for item in vk_emulator.shop(TEST_GROUP_ID).items.values() if item.sku == "4600000000017"]
    assert len(same) == 2 and not any(item.removed or item.hidden for item in same)
    owners = Counter(
        ProductLink.objects.filter(vk_item_id__in=[item.id for item in same]).values_list("merchant_id", flat=True)
    )
    assert owners == Counter({a.merchant.pk: 1, b.merchant.pk: 1})
