"""plan_sync on plain data: each change of the catalog gives exactly the expected operations."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from vksync import planning as p
from vksync.planning import AlbumState, CachedItem, DesiredItem, LinkState, Policy

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def desired(pid, *, price="100.00", deleted=0, album="g1", photo="ph1", name=None):
    fields = {"name": name or f"Товар {pid}", "price": price, "deleted": deleted, "sku": f"sku-{pid}"}
    photos = (photo,) if isinstance(photo, str) else tuple(photo)
    return DesiredItem(pid, f"sku-{pid}", fields, photos, f"h{pid}-{price}-{deleted}-{photos}-{name}", album)


def link(pid, item, *, vk_id=None, album=1001, state="active", hidden_at=None):
    return LinkState(
        pid * 10, pid, f"sku-{pid}", vk_id or 500 + pid, album, item.hash if item else "x", state, hidden_at
    )


def synced(items):
    """State after a perfect first sync: every item linked, pushed, in album 1001."""
    links = {i.product_id: link(i.product_id, i) for i in items}
    cache = {500 + i.product_id: CachedItem(500 + i.product_id, i.sku, (1001,)) for i in items}
    return links, cache


def plan(
    items,
    links=None,
    cache=None,
    *,
    orphans=(),
    albums=None,
    album_links=None,
    vk_albums=None,
    photos=None,
    policy=None,
    aliases=None,
):
    return p.plan_sync(
        album_aliases=aliases,
        desired=items,
        album_titles=albums if albums is not None else {"g1": "Чай"},
        links=links or {},
        orphan_links=list(orphans),
        vk_items=cache or {},
        vk_albums=vk_albums if vk_albums is not None else {1001: "Чай"},
        album_links=album_links if album_links is not None else {"g1": AlbumState(1001, "Чай")},
        photos=photos if photos is not None else {"ph1"},
        policy=policy or Policy(now=NOW),
    )


def kinds(result):
    return [op.kind for op in result.operations]


def test_first_sync_creates_albums_photos_items_and_membership():
    items = [desired(1), desired(2, photo="ph2")]
    result = plan(items, album_links={}, vk_albums={}, photos=set())
    assert kinds(result) == ["create_album", "upload_photo", "upload_photo", "create", "create", "add_to_album"]
    assert result.operations[-1].product_ids == (1, 2)
    assert result.summary()["create"] == 2


def test_nothing_changed_gives_no_operation():
    items = [desired(1), desired(2)]
    links, cache = synced(items)
    result = plan(items, links, cache)
    assert result.operations == []
    assert result.writes == 0


def test_photo_uploaded_once_for_many_items():
    items = [desired(i, photo="same") for i in range(1, 6)]
    result = plan(items, album_links={}, vk_albums={}, photos=set())
    assert kinds(result).count("upload_photo") == 1


def test_price_change_is_one_edit():
    items = [desired(1), desired(2)]
    links, cache = synced(items)
    result = plan([desired(1, price="120.00"), desired(2)], links, cache)
    assert kinds(result) == ["edit"]
    assert result.operations[0].vk_item_id == 501 and result.operations[0].fields["price"] == "120.00"


def test_rename_is_one_edit():
    items = [desired(1)]
    links, cache = synced(items)
    assert kinds(plan([desired(1, name="Новое имя")], links, cache)) == ["edit"]


def test_group_move_changes_membership_only():
    items = [desired(1), desired(2)]
    links, cache = synced(items)
    moved = [desired(1, album="g2"), desired(2)]
    result = plan(
        moved,
        links,
        cache,
        albums={"g1": "Чай", "g2": "Кофе"},
        album_links={"g1": AlbumState(1001, "Чай"), "g2": AlbumState(1002, "Кофе")},
        vk_albums={1001: "Чай", 1002: "Кофе"},
    )
    assert kinds(result) == ["remove_from_album", "add_to_album"]
    assert result.operations[0].vk_album_id == 1001
    assert result.operations[1].album_key == "g2" and result.operations[1].product_ids == (1,)


def test_quantity_to_zero_hides_the_item():
    items = [desired(i) for i in range(1, 5)]
    links, cache = synced(items)
    result = plan([desired(1, deleted=1)] + items[1:], links, cache)
    assert kinds(result) == ["hide"]
    assert result.operations[0].fields["deleted"] == 1
    assert not result.brake


def test_removed_product_is_hidden_then_deleted_after_grace():
    items = [desired(i) for i in range(1, 5)]
    links, cache = synced(items)
    gone = links.pop(1)
    result = plan(items[1:], links, cache, orphans=[gone])
    assert kinds(result) == ["hide"] and result.operations[0].vk_item_id == 501

    hidden = LinkState(gone.id, 1, gone.sku, 501, 1001, "", "hidden", NOW - timedelta(days=8))
    keep = plan(items[1:], links, cache, orphans=[hidden])
    assert keep.operations == []  # hide mode keeps the hidden item
    policy = Policy(delete_unavailable=True, delete_grace_days=7, now=NOW)
    result = plan(items[1:], links, cache, orphans=[hidden], policy=policy)
    assert kinds(result) == ["delete"]
    early = LinkState(gone.id, 1, gone.sku, 501, 1001, "", "hidden", NOW - timedelta(days=2))
    assert plan(items[1:], links, cache, orphans=[early], policy=policy).operations == []


def test_group_switched_off_hides_items_and_deletes_album():
    items = [desired(1), desired(2, album="g2"), desired(3, album="g2"), desired(4, album="g2")]
    links, cache = synced(items)
    orphan = links.pop(1)
    result = plan(
        items[1:],
        links,
        {k: CachedItem(v.vk_id, v.sku, (1001 if k == 501 else 1002,)) for k, v in cache.items()},
        orphans=[orphan],
        albums={"g2": "Кофе"},
        album_links={"g1": AlbumState(1001, "Чай"), "g2": AlbumState(1002, "Кофе")},
        vk_albums={1001: "Чай", 1002: "Кофе"},
    )
    assert kinds(result) == ["hide", "delete_album"]
    assert result.operations[1].vk_album_id == 1001


def test_store_switched_off_trips_the_brake():
    items = [desired(i) for i in range(1, 11)]
    links, cache = synced(items)
    result = plan([], {}, cache, orphans=list(links.values()), albums={})
    assert kinds(result).count("hide") == 10
    assert result.brake
    assert result.summary()["brake"] is True


def test_brake_not_tripped_below_the_share():
    items = [desired(i) for i in range(1, 11)]
    links, cache = synced(items)
    orphans = [links.pop(1), links.pop(2), links.pop(3)]
    result = plan(items[3:], links, cache, orphans=orphans)
    assert result.leaving == 3 and not result.brake
    orphans.append(links.pop(4))
    assert plan(items[4:], links, cache, orphans=orphans).brake


def test_item_deleted_by_hand_is_created_again():
    items = [desired(1), desired(2)]
    links, cache = synced(items)
    del cache[501]
    result = plan(items, links, cache)
    assert kinds(result) == ["create", "add_to_album"]
    assert result.operations[0].link_id == 10


def test_existing_vk_item_with_our_sku_is_adopted_not_duplicated():
    items = [desired(1)]
    cache = {900: CachedItem(900, "sku-1", ())}
    result = plan(items, {}, cache)
    assert kinds(result) == ["adopt", "edit", "add_to_album"]
    assert result.operations[0].vk_item_id == 900


def test_crashed_create_is_adopted_without_a_second_write():
    item = desired(1)
    crashed = {1: LinkState(10, 1, "sku-1", None, None, item.hash, "creating")}
    cache = {900: CachedItem(900, "sku-1", (1001,))}
    result = plan([item], crashed, cache)
    assert kinds(result) == ["adopt"]


def test_hand_made_vk_items_are_never_touched():
    items = [desired(1)]
    links, cache = synced(items)
    cache[777] = CachedItem(777, "", ())
    cache[778] = CachedItem(778, "someone-elses-sku", ())
    result = plan(items, links, cache)
    assert result.operations == []


def test_hidden_product_is_not_created():
    result = plan([desired(1, deleted=1)], {}, {})
    assert result.operations == []


def test_album_rename_and_album_deleted_by_hand_recreated():
    items = [desired(1)]
    links, cache = synced(items)
    result = plan(items, links, cache, albums={"g1": "Чай и травы"})
    assert kinds(result) == ["rename_album"]
    result = plan(items, links, cache, vk_albums={})
    assert kinds(result) == ["create_album", "add_to_album"]


def test_albums_switched_off_delete_our_albums_only():
    items = [desired(1, album=None)]
    links, cache = synced([desired(1)])
    result = plan(items, links, cache, albums={}, vk_albums={1001: "Чай", 3000: "Ручная подборка"})
    assert kinds(result) == ["delete_album"]
    assert result.operations[-1].vk_album_id == 1001


def test_existing_album_with_the_same_title_is_adopted():
    result = plan([desired(1)], album_links={}, vk_albums={42: "Чай"})
    assert kinds(result) == ["adopt_album", "create", "add_to_album"]
    assert result.operations[0].vk_album_id == 42


def test_hidden_item_shown_again_when_back_in_stock():
    item = desired(1, deleted=1)
    links = {1: LinkState(10, 1, "sku-1", 501, 1001, item.hash, "hidden", NOW)}
    cache = {501: CachedItem(501, "sku-1", (1001,))}
    result = plan([desired(1)], links, cache)
    assert kinds(result) == ["edit"] and result.operations[0].fields["deleted"] == 0


def test_many_album_adds_are_chunked():
    items = [desired(i) for i in range(1, 251)]
    result = plan(items)
    adds = [op for op in result.operations if op.kind == "add_to_album"]
    assert [len(op.product_ids) for op in adds] == [100, 100, 50]
    assert Decimal(result.brake_limit) == Decimal("0.30")


def test_albums_keyed_by_group_before_the_store_choice_continue_under_the_shared_key_with_no_write():
    """A shop synced before `albums_across_stores` has its albums linked by Evotor group id; the default (shared)
    keys them by name: the same album, relinked in the database, costs VK nothing."""
    items = [desired(1, album="name:tea"), desired(2, album="name:tea")]
    links, cache = synced(items)
    result = plan(items, links, cache, albums={"name:tea": "Чай"}, aliases={"name:tea": ("g1",)})
    assert kinds(result) == ["adopt_album", "delete_album"]
    assert result.operations[0].vk_album_id == 1001
    assert result.operations[1].album_key == "g1" and result.operations[1].vk_album_id is None  # link only
    assert result.writes == 0


def test_two_stores_albums_merge_into_one_renamed_and_the_other_deleted():
    items = [desired(1, album="name:tea"), desired(2, album="name:tea")]
    links = {1: link(1, items[0], album=1001), 2: link(2, items[1], album=1002)}
    cache = {501: CachedItem(501, "sku-1", (1001,)), 502: CachedItem(502, "sku-2", (1002,))}
    result = plan(
        items,
        links,
        cache,
        albums={"name:tea": "Чай"},
        album_links={"g1": AlbumState(1001, "Чай — Ленина"), "g2": AlbumState(1002, "Чай — Садовая")},
        vk_albums={1001: "Чай — Ленина", 1002: "Чай — Садовая", 3000: "Ручная подборка"},
        aliases={"name:tea": ("g1", "g2")},
    )
    assert kinds(result) == ["rename_album", "add_to_album", "delete_album", "delete_album"]
    rename, add, keep, drop = result.operations
    assert (rename.vk_album_id, rename.title) == (1001, "Чай")
    assert add.product_ids == (2,)
    assert (keep.album_key, keep.vk_album_id) == ("g1", None) and (drop.album_key, drop.vk_album_id) == ("g2", 1002)


def test_a_shared_album_splits_into_one_renamed_and_one_new_per_store():
    items = [desired(1, album="g1"), desired(2, album="g2")]
    links = {1: link(1, items[0]), 2: link(2, items[1])}
    cache = {501: CachedItem(501, "sku-1", (1001,)), 502: CachedItem(502, "sku-2", (1001,))}
    result = plan(
        items,
        links,
        cache,
        albums={"g1": "Чай — Ленина", "g2": "Чай — Садовая"},
        album_links={"name:tea": AlbumState(1001, "Чай")},
        aliases={"g1": ("name:tea",), "g2": ("name:tea",)},
    )
    assert kinds(result) == ["rename_album", "create_album", "remove_from_album", "add_to_album", "delete_album"]
    assert result.operations[0].vk_album_id == 1001 and result.operations[0].album_key == "g1"
    assert result.operations[2].vk_item_id == 502 and result.operations[3].album_key == "g2"
    assert result.operations[4].vk_album_id is None  # the shared album lives on as the first store's
