"""plan_sync: what must change in VK so the shop matches the catalog. A pure function: no I/O.

Inputs are plain values (loaded once by `vksync.inputs`): the desired items built by `rules`,
the mapping (ProductLink rows), the VK cache (items and albums as last read from VK),
and the photos already uploaded. The output is a list of operations for `applying`.

Over 300 lines on purpose: one pure function, the plain values it reads and returns, and its
private steps (adopt, move between albums, orphans, albums), read together; the tests in
`tests/test_planning.py` drive it through `plan_sync` on plain values.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

# Operation kinds, in the order they are applied.
ADOPT_ALBUM, CREATE_ALBUM, RENAME_ALBUM = "adopt_album", "create_album", "rename_album"
UPLOAD_PHOTO = "upload_photo"
ADOPT, CREATE, EDIT, HIDE, DELETE, FORGET = "adopt", "create", "edit", "hide", "delete", "forget"
REMOVE_FROM_ALBUM, ADD_TO_ALBUM, DELETE_ALBUM = "remove_from_album", "add_to_album", "delete_album"
# Variants (planned by vksync.variants): properties and values before the items, cards after them.
ADD_PROPERTY, ADD_PROPERTY_VALUE = "add_property", "add_property_value"
GROUP_CARD, UNGROUP_CARD = "group_card", "ungroup_card"

WRITE_KINDS = {CREATE_ALBUM, RENAME_ALBUM, UPLOAD_PHOTO, CREATE, EDIT, HIDE, DELETE}
WRITE_KINDS |= {REMOVE_FROM_ALBUM, ADD_TO_ALBUM, DELETE_ALBUM}
WRITE_KINDS |= {ADD_PROPERTY, ADD_PROPERTY_VALUE, GROUP_CARD, UNGROUP_CARD}
ALBUM_ITEMS_PER_CALL = 100


@dataclass(frozen=True)
class DesiredItem:
    """One published product as it should look in VK."""

    product_id: int
    sku: str
    fields: dict  # market.add parameters from the rules (name, description, price, deleted, sku, …)
    photo_sha: tuple[str, ...]  # sha256 of the pictures to show, in Evotor's order (the main photo first)
    hash: str  # rules.pushed_hash(fields, photo_sha)
    album_key: str | None = None  # Evotor group id when albums follow groups
    card_key: str | None = None  # the product with modifications whose VK card this item belongs to
    pictures_pending: bool = False  # its pictures are not read from Evotor yet: it waits, never sent bare

    @property
    def visible(self) -> bool:
        return not self.fields.get("deleted")


@dataclass(frozen=True)
class LinkState:
    id: int
    product_id: int | None
    sku: str
    vk_item_id: int | None
    vk_album_id: int | None
    pushed_hash: str
    state: str
    hidden_at: datetime | None = None


@dataclass(frozen=True)
class CachedItem:
    vk_id: int
    sku: str
    album_ids: tuple = ()


@dataclass(frozen=True)
class AlbumState:
    vk_album_id: int
    title: str


@dataclass(frozen=True)
class Policy:
    """Settings that decide what happens to items leaving the shop."""

    delete_unavailable: bool = False
    delete_grace_days: int = 7
    brake_share: Decimal = Decimal("0.30")
    now: datetime | None = None


@dataclass(frozen=True)
class Operation:
    """One step of a plan. Immutable: the applier records what came of it in the mapping, not here."""

    kind: str
    product_id: int | None = None
    link_id: int | None = None
    vk_item_id: int | None = None
    fields: dict | None = None
    hash: str = ""
    photo_sha: tuple[str, ...] = ()  # an item's pictures; upload_photo: the one picture
    album_key: str | None = None
    vk_album_id: int | None = None
    title: str = ""
    product_ids: tuple = ()  # add_to_album, group_card: items by product
    sku: str = ""
    card_key: str | None = None  # group_card, ungroup_card
    vk_card_id: int | None = None  # the card VK holds (item_group_id)
    property_title: str = ""  # add_property_value: whose value `title` is


@dataclass
class Plan:
    operations: list[Operation]
    shop_size: int  # items visible in VK now (the brake's base)
    brake_limit: Decimal
    pictures_pending: int = 0  # items left out until their pictures are known

    def counts(self) -> dict:
        return dict(Counter(op.kind for op in self.operations))

    @property
    def leaving(self) -> int:
        """Visible items this plan would hide or delete."""
        return sum(1 for op in self.operations if op.kind == HIDE)

    @property
    def brake(self) -> bool:
        return self.shop_size > 0 and self.leaving > self.brake_limit * self.shop_size

    @property
    def writes(self) -> int:
        return sum(1 for op in self.operations if op.kind in WRITE_KINDS and not _db_only(op))

    def summary(self) -> dict:
        counts = self.counts()
        return {
            "create": counts.get(CREATE, 0),
            "update": counts.get(EDIT, 0),
            "hide": counts.get(HIDE, 0),
            "delete": counts.get(DELETE, 0),
            "adopt": counts.get(ADOPT, 0),
            "albums_create": counts.get(CREATE_ALBUM, 0),
            "albums_rename": counts.get(RENAME_ALBUM, 0),
            "albums_delete": counts.get(DELETE_ALBUM, 0),
            "photos": counts.get(UPLOAD_PHOTO, 0),
            "membership": counts.get(ADD_TO_ALBUM, 0) + counts.get(REMOVE_FROM_ALBUM, 0),
            "properties_create": counts.get(ADD_PROPERTY, 0),
            "property_values_create": counts.get(ADD_PROPERTY_VALUE, 0),
            "cards_group": counts.get(GROUP_CARD, 0),
            "cards_ungroup": counts.get(UNGROUP_CARD, 0),
            "pictures_pending": self.pictures_pending,
            "writes": self.writes,
            "shop_size": self.shop_size,
            "brake": self.brake,
        }


def plan_sync(
    *,
    desired: list[DesiredItem],
    album_titles: dict[str, str],
    links: dict[int, LinkState],
    orphan_links: list[LinkState],
    vk_items: dict[int, CachedItem],
    vk_albums: dict[int, str],
    album_links: dict[str, AlbumState],
    photos: set[str],
    policy: Policy,
    album_aliases: dict[str, tuple[str, ...]] | None = None,
) -> Plan:
    """The operations that bring VK from its cached state to the desired one.

    `links` maps product id → link; `orphan_links` are links whose product is not published any more.
    `album_titles` maps the album key (`rules.album_of`) of every wanted album to its title; `album_aliases`
    maps it to the keys the same groups' album had before the merchant switched how stores share albums.
    `photos` holds the sha256 of images already uploaded to the community.
    """
    albums, album_ids = _plan_albums(album_titles, album_links, vk_albums, album_aliases or {})
    ops: list[Operation] = list(albums)
    by_sku = _adoptable_by_sku(vk_items, links, orphan_links)
    items, adds = [], {}
    needed_photos: dict[str, None] = {}
    pending = 0
    for item in desired:
        link = links.get(item.product_id)
        if item.pictures_pending:  # nothing is sent for it (nor hidden): the next run knows its pictures
            pending += 1
            continue
        vk_id = _present(link, vk_items)
        if vk_id is None:
            vk_id = _adopt(item.sku, by_sku, item.product_id, link, items)
        if vk_id is None:
            if item.visible:
                items.append(_item_op(CREATE, item, link_id=link and link.id))
                needed_photos.update(dict.fromkeys(item.photo_sha))
                _want_album(adds, item, None, album_ids, cached_albums=())
            elif link and link.state not in ("deleted",) and link.vk_item_id:
                items.append(Operation(FORGET, product_id=item.product_id, link_id=link.id))
            continue
        adopted = link is None or link.vk_item_id != vk_id
        # A link still "creating" holds the hash of the create VK did answer before a crash: trust it.
        pushed = link.pushed_hash if link and (not adopted or link.state == "creating") else ""
        if pushed != item.hash:
            was_visible = link is not None and link.state == "active" and not adopted
            kind = HIDE if (was_visible and not item.visible) else EDIT
            items.append(_item_op(kind, item, link_id=link and link.id, vk_item_id=vk_id))
            needed_photos.update(dict.fromkeys(item.photo_sha))
        elif not item.visible and _grace_over(link, policy):
            items.append(Operation(DELETE, product_id=item.product_id, link_id=link.id, vk_item_id=vk_id))
            continue
        if item.visible:
            current = None if adopted else link.vk_album_id
            cached = vk_items[vk_id].album_ids if vk_id in vk_items else ()
            items.extend(_move_album(adds, item, current, album_ids, cached, link, vk_id))
    items.extend(_plan_orphans(orphan_links, vk_items, by_sku, policy))
    ops += [Operation(UPLOAD_PHOTO, photo_sha=(sha,)) for sha in needed_photos if sha and sha not in photos]
    ops += items
    for key, product_ids in adds.items():
        for start in range(0, len(product_ids), ALBUM_ITEMS_PER_CALL):
            chunk = product_ids[start : start + ALBUM_ITEMS_PER_CALL]
            ops.append(Operation(ADD_TO_ALBUM, album_key=key, product_ids=tuple(chunk)))
    ops += albums_to_delete(album_titles, album_links, vk_albums, kept=set(album_ids.values()))
    shop_size = sum(
        1 for link in _all_links(links, orphan_links) if link.state == "active" and _present(link, vk_items)
    )
    return Plan(operations=ops, shop_size=shop_size, brake_limit=Decimal(policy.brake_share), pictures_pending=pending)


def _db_only(op: Operation) -> bool:
    return op.kind == DELETE_ALBUM and op.vk_album_id is None


def _item_op(kind: str, item: DesiredItem, **ids) -> Operation:
    """An item write carrying everything the desired item says (fields, hash, picture, sku, album)."""
    return Operation(
        kind,
        product_id=item.product_id,
        fields=item.fields,
        hash=item.hash,
        photo_sha=item.photo_sha,
        sku=item.sku,
        album_key=item.album_key,
        card_key=item.card_key,
        **ids,
    )


def _present(link: LinkState | None, vk_items: dict) -> int | None:
    """The VK item id of a link when that item still exists in VK (per the cache)."""
    if link and link.vk_item_id and link.state != "deleted" and link.vk_item_id in vk_items:
        return link.vk_item_id
    return None


def _all_links(links: dict, orphan_links: list):
    yield from links.values()
    yield from orphan_links


def _adoptable_by_sku(vk_items: dict, links: dict, orphan_links: list) -> dict[str, int]:
    """VK items carrying a sku that no link owns yet: ours from a crashed run, or made before EvoSync."""
    owned = {link.vk_item_id for link in _all_links(links, orphan_links) if link.vk_item_id}
    by_sku = {}
    for item in vk_items.values():
        if item.sku and item.vk_id not in owned:
            by_sku.setdefault(item.sku, item.vk_id)
    return by_sku


def _adopt(sku: str, by_sku: dict, product_id: int | None, link: LinkState | None, out: list) -> int | None:
    vk_id = by_sku.pop(sku, None)
    if vk_id is not None:
        out.append(Operation(ADOPT, product_id=product_id, link_id=link and link.id, vk_item_id=vk_id, sku=sku))
    return vk_id


def _grace_over(link: LinkState | None, policy: Policy) -> bool:
    if not (policy.delete_unavailable and link and link.state == "hidden" and link.hidden_at and policy.now):
        return False
    return link.hidden_at + timedelta(days=policy.delete_grace_days) <= policy.now


def _want_album(adds: dict, item: DesiredItem, current: int | None, album_ids: dict, cached_albums) -> bool:
    """Queue the item for its album; True when it is already there."""
    if not item.album_key:
        return True
    target = album_ids.get(item.album_key)
    if target is not None and (current == target or target in cached_albums):
        return True
    adds.setdefault(item.album_key, []).append(item.product_id)
    return False


def _move_album(adds, item, current, album_ids, cached, link, vk_id) -> list[Operation]:
    ops = []
    already = _want_album(adds, item, current, album_ids, cached)
    target = album_ids.get(item.album_key) if item.album_key else None
    if current and current != target and not already and current in album_ids.values():
        ops.append(Operation(REMOVE_FROM_ALBUM, link_id=link.id, vk_item_id=vk_id, vk_album_id=current))
    elif current and not item.album_key and current in album_ids.values():
        ops.append(Operation(REMOVE_FROM_ALBUM, link_id=link.id, vk_item_id=vk_id, vk_album_id=current))
    return ops


def _plan_orphans(orphan_links, vk_items, by_sku, policy) -> list[Operation]:
    """Links whose product left the published catalog: hide, delete after the grace period, or forget."""
    ops = []
    for link in orphan_links:
        vk_id = _present(link, vk_items)
        if vk_id is None and link.state == "creating":
            vk_id = _adopt(link.sku, by_sku, link.product_id, link, ops)
            if vk_id is not None:
                ops.append(Operation(HIDE, link_id=link.id, vk_item_id=vk_id, product_id=link.product_id))
            continue
        if vk_id is None:
            if link.state != "deleted":
                ops.append(Operation(FORGET, link_id=link.id, product_id=link.product_id))
        elif link.state in ("active", "failed"):
            ops.append(Operation(HIDE, link_id=link.id, vk_item_id=vk_id, product_id=link.product_id))
        elif _grace_over(link, policy):
            ops.append(Operation(DELETE, link_id=link.id, vk_item_id=vk_id, product_id=link.product_id))
    return ops


def _plan_albums(album_titles: dict, album_links: dict, vk_albums: dict, album_aliases: dict):
    """Album steps that must run before items: adopt, create, rename. Returns (ops, key → known vk id).

    A wanted album is, in this order: the one linked to its key; an album of its title EvoSync did not make
    (adopted, as ever); the album one of its groups had under the other choice of `albums_across_stores`
    (renamed if its title differs: a switch merges or splits albums without a duplicate); else a new one."""
    ops, ids = [], {}
    linked = {a.vk_album_id for a in album_links.values()}
    by_title = {}
    for vk_id, title in vk_albums.items():
        if vk_id not in linked:
            by_title.setdefault(title, vk_id)
    retiring = {
        key: link.vk_album_id
        for key, link in album_links.items()
        if key not in album_titles and link.vk_album_id in vk_albums
    }
    for key, title in album_titles.items():
        current = album_links.get(key)
        if current and current.vk_album_id in vk_albums:
            ids[key] = current.vk_album_id
            if current.title != title or vk_albums[current.vk_album_id] != title:
                ops.append(Operation(RENAME_ALBUM, album_key=key, vk_album_id=current.vk_album_id, title=title))
        elif title in by_title:
            ids[key] = by_title.pop(title)
            ops.append(Operation(ADOPT_ALBUM, album_key=key, vk_album_id=ids[key], title=title))
        elif earlier := next((alias for alias in album_aliases.get(key, ()) if alias in retiring), None):
            ids[key] = retiring.pop(earlier)
            kind = ADOPT_ALBUM if vk_albums[ids[key]] == title else RENAME_ALBUM
            ops.append(Operation(kind, album_key=key, vk_album_id=ids[key], title=title))
        else:
            ops.append(Operation(CREATE_ALBUM, album_key=key, title=title))
    return ops, ids


def albums_to_delete(album_titles: dict, album_links: dict, vk_albums: dict, kept=frozenset()) -> list[Operation]:
    """Albums EvoSync made for groups that are no longer published (or albums switched off).

    An album `kept` under another key (a switch of `albums_across_stores`) only loses its old link."""
    return [
        Operation(
            DELETE_ALBUM,
            album_key=key,
            vk_album_id=link.vk_album_id if link.vk_album_id in vk_albums and link.vk_album_id not in kept else None,
        )
        for key, link in album_links.items()
        if key not in album_titles
    ]
