"""Two published stores with groups of the same name: one album per name (the default) or the store's name in
each album's title, the merchant's choice; a switch renames, merges or splits EvoSync's albums without a
duplicate and never touches an album the merchant made in VK by hand. Through the Evotor and VK emulators."""

from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import ProductGroup, Store
from vksync.engine import run_sync
from vksync.models import AlbumLink, SyncRun, SyncSettings
from vksync.tests.helpers import assert_vk_matches_catalog, writes

STORE_IN_TITLE = SyncSettings.AlbumsAcrossStores.STORE_IN_TITLE
SHARED = SyncSettings.AlbumsAcrossStores.SHARED


def sync(shop) -> SyncRun:
    shop.vk.reset_log()
    run = run_sync(merchant=shop.merchant)
    assert run.status == SyncRun.Status.DONE, run.error
    return run


def choose(shop, choice) -> None:
    SyncSettings.objects.filter(merchant=shop.merchant).update(albums_across_stores=choice)


def titles(shop) -> Counter:
    return Counter(album.title for album in shop.vk.shop(shop.group_id).albums.values())


def group_names_in_use(shop) -> set[str]:
    """Names of the groups whose products went to VK (a group can be empty, or hold only hidden items)."""
    vk_shop = shop.vk.shop(shop.group_id)
    ours = set(AlbumLink.objects.filter(merchant=shop.merchant).values_list("vk_album_id", flat=True))
    used = {album_id for item in vk_shop.items.values() for album_id in item.album_ids if album_id in ours}
    return {vk_shop.albums[album_id].title.split(" — ")[0] for album_id in used}


@pytest.fixture
def hand_made(shop):
    """An album the merchant made in VK, with one item of their own in it."""
    album_id = shop.vk.add_album(shop.group_id, "Подарки к празднику")
    item_id = shop.vk.add_item(shop.group_id, "Подарочный набор", album_ids=[album_id])
    return album_id, item_id


def assert_hand_made_untouched(shop, hand_made) -> None:
    album_id, item_id = hand_made
    vk_shop = shop.vk.shop(shop.group_id)
    assert vk_shop.albums[album_id].title == "Подарки к празднику"
    assert vk_shop.items[item_id].album_ids == [album_id]
    assert not AlbumLink.objects.filter(vk_album_id=album_id).exists()


def test_the_fixture_has_groups_of_one_name_in_both_stores(shop):
    names = Counter(ProductGroup.objects.filter(merchant=shop.merchant).values_list("name", flat=True))
    assert Store.objects.filter(merchant=shop.merchant, sync_enabled=True).count() == 2
    assert any(count == 2 for count in names.values())


def test_by_default_stores_share_one_album_per_group_name(shop, hand_made):
    sync(shop)
    assert_vk_matches_catalog(shop)  # checks, among the rest, that no two of our albums share a title
    ours = titles(shop) - Counter(["Подарки к празднику"])
    assert set(ours) == group_names_in_use(shop) and set(ours.values()) == {1}
    items_by_album = Counter(a for item in shop.vk.shop(shop.group_id).items.values() for a in item.album_ids)
    stores_by_album = {}
    for link in AlbumLink.objects.filter(merchant=shop.merchant):
        stores_by_album[link.vk_album_id] = set(
            Store.objects.filter(merchant=shop.merchant, products__vk_links__vk_album_id=link.vk_album_id).values_list(
                "pk", flat=True
            )
        )
    assert any(len(stores) == 2 for stores in stores_by_album.values()), "no album holds both stores' products"
    assert sum(items_by_album.values()) > 0
    assert_hand_made_untouched(shop, hand_made)


def test_with_the_store_name_each_store_has_its_own_album(shop, hand_made):
    choose(shop, STORE_IN_TITLE)
    sync(shop)
    assert_vk_matches_catalog(shop)
    ours = titles(shop) - Counter(["Подарки к празднику"])
    store_names = set(Store.objects.filter(merchant=shop.merchant).values_list("name", flat=True))
    assert ours and set(ours.values()) == {1}
    assert all(title.split(" — ")[1] in store_names for title in ours)
    assert_hand_made_untouched(shop, hand_made)


def test_switching_to_the_store_name_splits_each_shared_album_and_back_merges_them(shop, hand_made):
    sync(shop)
    shared = len(AlbumLink.objects.filter(merchant=shop.merchant))

    choose(shop, STORE_IN_TITLE)
    run = sync(shop)
    assert_vk_matches_catalog(shop)
    split = AlbumLink.objects.filter(merchant=shop.merchant).count()
    methods = Counter(writes(shop))
    assert methods["market.editAlbum"] == shared  # each shared album renamed for one of its stores
    assert methods["market.addAlbum"] == split - shared  # only the other stores' albums are new
    assert methods["market.deleteAlbum"] == 0 and methods["market.add"] == methods["market.edit"] == 0
    assert run.created == run.updated == run.hidden == 0
    assert_hand_made_untouched(shop, hand_made)

    choose(shop, SHARED)
    sync(shop)
    assert_vk_matches_catalog(shop)
    methods = Counter(writes(shop))
    assert AlbumLink.objects.filter(merchant=shop.merchant).count() == shared
    assert methods["market.editAlbum"] == shared  # one album of each name keeps its items, renamed back
    assert methods["market.deleteAlbum"] == split - shared  # the other store's album goes, its items move
    assert methods["market.addAlbum"] == 0 and methods["market.add"] == methods["market.edit"] == 0
    assert_hand_made_untouched(shop, hand_made)

    sync(shop)
    assert writes(shop) == []  # settled: the next run has nothing to do


def test_a_hand_made_album_of_the_same_title_is_used_rather_than_made_twice(shop):
    sync(shop)
    choose(shop, STORE_IN_TITLE)
    group = ProductGroup.objects.filter(merchant=shop.merchant, products__isnull=False).select_related("store")[0]
    title = f"{group.name} — {group.store.name}"
    album_id = shop.vk.add_album(shop.group_id, title)  # the merchant made it in VK before switching
    sync(shop)
    assert_vk_matches_catalog(shop)
    assert titles(shop)[title] == 1
    assert AlbumLink.objects.get(merchant=shop.merchant, group_evotor_id=group.evotor_id).vk_album_id == album_id


@pytest.mark.django_db
def test_the_settings_page_offers_the_choice_with_shared_albums_by_default_and_saves_it(client, merchant):
    page = client.get(reverse("sync_settings")).content.decode()
    assert "Одна подборка на группу для всех магазинов" in page
    assert "Название магазина в названии подборки" in page
    assert '<option value="shared" selected>' in page
    form = client.get(reverse("sync_settings")).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name != "default_photo"}
    data = {name: ("on" if value is True else value) for name, value in data.items() if value is not False}
    data.pop("group_categories", None)
    data["brake_percent"] = form["brake_percent"].value()
    response = client.post(reverse("sync_settings"), data | {"albums_across_stores": "store_in_title"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert SyncSettings.objects.get(merchant=merchant).albums_across_stores == STORE_IN_TITLE


def test_a_batch_of_new_albums_is_linked_in_one_statement(shop):
    with CaptureQueriesContext(connection) as queries:
        run = sync(shop)
    links = AlbumLink.objects.filter(merchant=shop.merchant)
    assert run.status == SyncRun.Status.DONE and links.count() > 1
    album_writes = [
        q["sql"] for q in queries.captured_queries if "vksync_albumlink" in q["sql"] and "INSERT" in q["sql"]
    ]
    assert len(album_writes) == 1  # the shop's albums are one batch: one upsert, not a query or two per album
    assert {link.vk_album_id for link in links} <= set(shop.vk.shop(shop.group_id).albums)
    assert_vk_matches_catalog(shop)
