"""VK API methods as the emulator runs them: one function per method, on the emulator's state.

Each handler gets the emulator, the caller (whose token) and the values already checked
against the official schema (`schema.validate`), and returns the `response` or raises VkFault.

Over 300 lines on purpose: a table of VK's methods, one short handler each (items, albums,
photos, groups, users), looked up by name rather than read through; the handlers share the
checks at the top (community_of, is_admin, live_item).
"""

import hashlib
import hmac
import json
import time
from datetime import date, datetime
from decimal import Decimal

from emulators.vk.schema import VkFault
from emulators.vk.state import CATEGORIES, Album, Caller, Item, Photo, album_as_vk, category_index, item_as_vk

HANDLERS = {}


def handler(name):
    def register(func):
        HANDLERS[name] = func
        return func

    return register


def community_of(emu, owner_id: int, caller: Caller, *, write: bool, market: bool = True):
    if owner_id >= 0:
        raise VkFault(100, "owner_id should be a community (negative)")
    community = emu.communities.get(-owner_id)
    if community is None:
        raise VkFault(100, "owner_id is invalid")
    if market and not community.market_enabled:
        raise VkFault(1438)
    if write and not is_admin(caller, community):
        raise VkFault(15, "no access to this community's market")
    return community


def is_admin(caller: Caller, community) -> bool:
    if caller.kind == "group":
        return caller.group_id == community.group_id
    return caller.user_id in community.admins


def live_item(shop, item_id: int) -> Item:
    item = shop.items.get(item_id)
    if item is None or item.removed:
        raise VkFault(1403)
    return item


def check_item_fields(emu, community, v: dict, *, creating: bool):
    if "category_id" in v and v["category_id"] not in category_index():
        raise VkFault(100, "category_id is invalid")
    for photo_id in ([v["main_photo_id"]] if v.get("main_photo_id") else []) + v.get("photo_ids", []):
        photo = emu.photos.get(photo_id)
        if photo is None or photo.group_id != community.group_id:
            raise VkFault(100, f"photo {photo_id} not found")
    dims = ("dimension_width", "dimension_height", "dimension_length", "weight")
    given = [name for name in dims if name in v]
    if given and len(given) != len(dims):
        raise VkFault(1429)
    if "description" in v and ("http://" in v["description"] or "https://" in v["description"]):
        raise VkFault(1408)
    if creating and len(community.shop.items) >= emu.max_items:
        raise VkFault(1405)


def apply_item_fields(item: Item, v: dict):
    simple = {"name": "title", "description": "description", "category_id": "category_id", "url": "url", "sku": "sku"}
    for param, attr in simple.items():
        if param in v:
            setattr(item, attr, v[param])
    if "price" in v:
        item.price = Decimal(str(v["price"])).quantize(Decimal("0.01"))
    if "old_price" in v:
        item.old_price = Decimal(str(v["old_price"])).quantize(Decimal("0.01")) or None
    if "deleted" in v:
        item.hidden = v["deleted"]
    if "main_photo_id" in v:  # the photos are given whole: photo_ids left out means the main photo alone
        item.main_photo_id = v["main_photo_id"] or None
        item.photo_ids = list(v.get("photo_ids", []))
    elif "photo_ids" in v:
        item.photo_ids = list(v["photo_ids"])
    if "stock_amount" in v:
        item.stock_amount = v["stock_amount"]
    if "weight" in v:
        item.weight = v["weight"]
        item.dimensions = {
            "width": v["dimension_width"],
            "height": v["dimension_height"],
            "length": v["dimension_length"],
        }
    item.date = int(time.time())


@handler("market.add")
def market_add(emu, caller, v):
    community = community_of(emu, v["owner_id"], caller, write=True)
    check_item_fields(emu, community, v, creating=True)
    shop = community.shop
    item = Item(
        id=shop.next_item_id, group_id=community.group_id, title="", description="", category_id=v["category_id"]
    )
    shop.next_item_id += 1
    apply_item_fields(item, v)
    shop.items[item.id] = item
    return {"market_item_id": item.id}


@handler("market.edit")
def market_edit(emu, caller, v):
    community = community_of(emu, v["owner_id"], caller, write=True)
    item = live_item(community.shop, v["item_id"])
    check_item_fields(emu, community, v, creating=False)
    apply_item_fields(item, v)
    return 1


@handler("market.delete")
def market_delete(emu, caller, v):
    community = community_of(emu, v["owner_id"], caller, write=True)
    item = community.shop.items.get(v["item_id"])
    if item is None:
        raise VkFault(1403)
    item.removed = True
    item.date = int(time.time())
    return 1


@handler("market.restore")
def market_restore(emu, caller, v):
    community = community_of(emu, v["owner_id"], caller, write=True)
    item = community.shop.items.get(v["item_id"])
    if item is None:
        raise VkFault(1403)
    item.removed = False
    item.date = int(time.time())
    return 1


def _day(text: str, name: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise VkFault(100, f"{name} should be yyyy-mm-dd")


def visible_items(community, caller, *, with_disabled: bool):
    show_hidden = with_disabled and is_admin(caller, community)
    items = [i for i in community.shop.items.values() if not i.removed and (show_hidden or not i.hidden)]
    return sorted(items, key=lambda i: -i.id)  # newest first, as VK lists a shop


@handler("market.get")
def market_get(emu, caller, v):
    community = community_of(emu, v["owner_id"], caller, write=False)
    items = visible_items(community, caller, with_disabled=v.get("with_disabled", False))
    album_id = v.get("album_id") or 0
    if album_id:
        if album_id not in community.shop.albums:
            raise VkFault(1402)
        items = [i for i in items if album_id in i.album_ids]
    if v.get("date_from"):
        since = _day(v["date_from"], "date_from")
        items = [i for i in items if date.fromtimestamp(i.date) >= since]
    if v.get("date_to"):
        until = _day(v["date_to"], "date_to")
        items = [i for i in items if date.fromtimestamp(i.date) <= until]
    offset, count = v.get("offset", 0), v.get("count", 100)
    page = items[offset : offset + count]
    extended = v.get("extended", False)
    return {"count": len(items), "items": [item_as_vk(i, emu.photos, emu.public_url, extended=extended) for i in page]}


@handler("market.getById")
def market_get_by_id(emu, caller, v):
    found = []
    for ref in v["item_ids"]:
        owner, _, item_id = ref.partition("_")
        try:
            owner_id, item_id = int(owner), int(item_id)
        except ValueError:
            raise VkFault(100, f"item_ids: {ref} is invalid")
        community = community_of(emu, owner_id, caller, write=False)
        item = community.shop.items.get(item_id)
        if item is None or item.removed or (item.hidden and not is_admin(caller, community)):
            continue
        found.append(item_as_vk(item, emu.photos, emu.public_url, extended=v.get("extended", False)))
    return {"count": len(found), "items": found}


@handler("market.getAlbums")
def market_get_albums(emu, caller, v):
    community = community_of(emu, v["owner_id"], caller, write=False)
    albums = sorted(community.shop.albums.values(), key=lambda a: a.id)
    offset, count = v.get("offset", 0), v.get("count", 50)
    page = [album_as_vk(a, community.shop, emu.photos, emu.public_url) for a in albums[offset : offset + count]]
    return {"count": len(albums), "items": page}


@handler("market.getAlbumById")
def market_get_album_by_id(emu, caller, v):
    community = community_of(emu, v["owner_id"], caller, write=False)
    shop = community.shop
    found = [album_as_vk(shop.albums[i], shop, emu.photos, emu.public_url) for i in v["album_ids"] if i in shop.albums]
    return {"count": len(found), "items": found}


def _album_fields(emu, community, album: Album, v: dict):
    album.title = v["title"]
    if v.get("photo_id"):
        photo = emu.photos.get(v["photo_id"])
        if photo is None or photo.group_id != community.group_id:
            raise VkFault(100, "photo_id is invalid")
        album.photo_id = v["photo_id"]
    if "is_hidden" in v:
        album.is_hidden = v["is_hidden"]
    if v.get("main_album"):
        for other in community.shop.albums.values():
            other.is_main = False
        album.is_main = True
    album.updated_time = int(time.time())


@handler("market.addAlbum")
def market_add_album(emu, caller, v):
    community = community_of(emu, v["owner_id"], caller, write=True)
    shop = community.shop
    if len(shop.albums) >= emu.max_albums:
        raise VkFault(1407)
    album = Album(id=shop.next_album_id, group_id=community.group_id, title="")
    _album_fields(emu, community, album, v)
    shop.next_album_id += 1
    shop.albums[album.id] = album
    return {"market_album_id": album.id, "albums_count": len(shop.albums)}


@handler("market.editAlbum")
def market_edit_album(emu, caller, v):
    community = community_of(emu, v["owner_id"], caller, write=True)
    album = community.shop.albums.get(v["album_id"])
    if album is None:
        raise VkFault(1402)
    _album_fields(emu, community, album, v)
    return 1


@handler("market.deleteAlbum")
def market_delete_album(emu, caller, v):
    community = community_of(emu, v["owner_id"], caller, write=True)
    shop = community.shop
    if shop.albums.pop(v["album_id"], None) is None:
        raise VkFault(1402)
    for item in shop.items.values():
        if v["album_id"] in item.album_ids:
            item.album_ids.remove(v["album_id"])
    return 1


@handler("market.addToAlbum")
def market_add_to_album(emu, caller, v):
    community = community_of(emu, v["owner_id"], caller, write=True)
    shop = community.shop
    items = [live_item(shop, item_id) for item_id in v["item_ids"]]
    if not items:
        raise VkFault(100, "item_ids is undefined")
    for album_id in v["album_ids"]:
        if album_id not in shop.albums:
            raise VkFault(1402)
    added = 0
    for album_id in v["album_ids"]:
        # An album cannot hold more items than the shop: count only when the limit is within reach.
        count = shop.album_count(album_id) if len(shop.items) >= emu.max_items_per_album else 0
        for item in items:
            if album_id in item.album_ids:
                continue
            if count >= emu.max_items_per_album:
                raise VkFault(1406)
            item.album_ids.append(album_id)
            count += 1
            added += 1
        shop.albums[album_id].updated_time = int(time.time())
    if not added:
        raise VkFault(1404)
    return 1


@handler("market.removeFromAlbum")
def market_remove_from_album(emu, caller, v):
    community = community_of(emu, v["owner_id"], caller, write=True)
    shop = community.shop
    item = live_item(shop, v["item_id"])
    for album_id in v["album_ids"]:
        if album_id not in shop.albums:
            raise VkFault(1402)
    item.album_ids = [a for a in item.album_ids if a not in v["album_ids"]]
    return 1


@handler("market.getCategories")
def market_get_categories(emu, caller, v):
    return {"count": len(CATEGORIES), "items": json.loads(json.dumps(CATEGORIES))}


def upload_signature(emu, group_id: int, user_id: int) -> str:
    return hmac.new(emu.secret, f"upload:{group_id}:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


@handler("market.getProductPhotoUploadServer")
def market_get_upload_server(emu, caller, v):
    community = community_of(emu, -v["group_id"], caller, write=True)
    if v.get("bulk") and emu.refuses_bulk:
        raise VkFault(100, "bulk: photo bulk upload is not available for this community")
    sig = upload_signature(emu, community.group_id, caller.user_id)
    bulk = "&bulk=1" if v.get("bulk") else ""
    return {
        "upload_url": f"{emu.public_url}/upload/market?gid={community.group_id}&uid={caller.user_id}&sig={sig}{bulk}"
    }


@handler("market.saveProductPhoto")
def market_save_product_photo(emu, caller, v):
    try:
        answer = json.loads(v["upload_response"])
        photo = json.loads(answer["photo"])
        group_id, user_id = int(photo["group_id"]), int(photo["user_id"])
        width, height, upload_id = int(photo["width"]), int(photo["height"]), photo["upload_id"]
    except (ValueError, KeyError, TypeError):
        raise VkFault(100, "upload_response is invalid")
    expected = hmac.new(emu.secret, answer["photo"].encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(str(answer.get("hash", "")), expected) or user_id != caller.user_id:
        raise VkFault(100, "upload_response hash is invalid")
    community = community_of(emu, -group_id, caller, write=True)
    content = emu.pending_uploads.pop(upload_id, None)
    if content is None:
        raise VkFault(100, "upload_response was already saved")
    return save_photo(emu, community, content, width, height)


def save_photo(emu, community, content: bytes, width: int, height: int) -> dict:
    """A saved product photo of the community: {photo_id, photo} as VK answers it."""
    saved = Photo(id=emu.next_photo_id, group_id=community.group_id, width=width, height=height)
    emu.next_photo_id += 1
    emu.photos[saved.id] = saved
    community.shop.photos[saved.id] = saved
    emu.photo_bytes[saved.id] = content
    return {"photo_id": saved.id, "photo": saved.as_vk(emu.public_url)}


def group_as_vk(community, caller: Caller, fields: list[str]) -> dict:
    admin = is_admin(caller, community) if caller.kind == "user" else False
    data = {
        "id": community.group_id,
        "name": community.name,
        "screen_name": community.screen_name,
        "is_closed": 0,
        "type": "group",
        "photo_50": "",
        "photo_100": "",
        "photo_200": "",
    }
    if caller.kind == "user":
        data["is_admin"] = int(admin)
        data["is_member"] = int(admin)
        if admin:
            data["admin_level"] = 3
    if "market" in fields:
        data["market"] = {"enabled": int(community.market_enabled)}
        if community.market_enabled:
            data["market"].update({"type": "basic", "currency": {"id": 643, "name": "RUB", "title": "Rub"}})
    return data


@handler("groups.getById")
def groups_get_by_id(emu, caller, v):
    refs = list(v.get("group_ids", []))
    if "group_id" in v:
        refs.append(v["group_id"])
    if not refs:
        if caller.kind != "group":
            raise VkFault(100, "group_ids is undefined")
        refs = [caller.group_id]
    fields = v.get("fields", [])
    groups = []
    for ref in refs:
        community = emu.find_community(ref)
        if community is None:
            raise VkFault(100, "group_ids is invalid")
        groups.append(group_as_vk(community, caller, fields))
    return {"groups": groups, "profiles": []}


@handler("users.get")
def users_get(emu, caller, v):
    refs = v.get("user_ids") or ([caller.user_id] if caller.kind == "user" else [])
    found = []
    for ref in refs:
        user = emu.users_by_id.get(int(ref)) if str(ref).lstrip("-").isdigit() else None
        if user is None:
            raise VkFault(113)
        first, _, last = user["name"].partition(" ")
        found.append(
            {"id": user["id"], "first_name": first, "last_name": last, "can_access_closed": True, "is_closed": False}
        )
    return found
