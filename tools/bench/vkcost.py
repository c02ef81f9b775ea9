"""VK figures of a phase from the emulator's request log, and the fewest requests the phase needed.

`minimal_requests` is computed from what changed in the VK shop (its state before the phase against
after it), never from the calls EvoSync chose to send:

    reads      = ceil(albums / 100) market.getAlbums + ceil(items / 200) market.get   (the shop as it was)
                 + 1 market.getProperties when the phase changes properties or cards (to reuse what exists)
    album ops  = albums created + renamed                      (market.addAlbum / editAlbum)
    properties = properties created                            (market.addProperty)
    values     = property values created                       (market.addPropertyVariant: needs the property's id)
    servers    = new photos, or ceil(new photos / files per bulk) (market.getProductPhotoUploadServer)
    saves      = the same                                      (market.saveProductPhoto[Bulk]: never inside execute)
    item ops   = items created + edited + deleted/restored     (market.add / edit / delete / restore)
    membership = Σ per album ceil(items added / 100) + items taken out   (addToAlbum / removeFromAlbum)
    cards      = cards made or changed + cards gone            (market.groupItems / ungroupItems: need item ids)
    album dels = albums deleted                                (market.deleteAlbum)

    minimal = Σ over the stages above (except saves) of ceil(calls / 25)  +  saves

Each stage is packed on its own because it needs the previous stage's answers (photo ids and value ids before
items, item ids before album membership and cards). Cards are compared by the items they hold. The photo
uploads themselves go to the upload server, not to the API: they are counted apart (`uploads`), are not
rate-limited, and cost the same in every way of syncing.
"""

import copy
import math
from collections import Counter

from emulators.vk.app import VkEmulator

EXECUTE_LIMIT = 25
ALBUMS_PER_READ, ITEMS_PER_READ, ITEMS_PER_ADD_TO_ALBUM = 100, 200, 100
WRITE_METHODS = {
    "market.add", "market.edit", "market.delete", "market.restore", "market.addAlbum", "market.editAlbum",
    "market.deleteAlbum", "market.addToAlbum", "market.removeFromAlbum", "market.getProductPhotoUploadServer",
    "market.saveProductPhoto", "market.saveProductPhotoBulk", "market.addProperty", "market.addPropertyVariant",
    "market.editProperty", "market.groupItems", "market.ungroupItems",
}  # fmt: skip
ITEM_FIELDS = (
    "title", "description", "category_id", "price", "old_price", "hidden", "removed", "main_photo_id", "photo_ids",
    "url", "sku", "stock_amount", "dimensions", "weight", "variant_ids",
)  # fmt: skip


def twin_of(emu: VkEmulator) -> VkEmulator:
    """A second emulator holding a copy of `emu`'s state (same rules and ids): the shop as it was."""
    twin = VkEmulator(rate_limit_per_second=emu.rate_limit_per_second, latency=emu.latency)
    with emu._lock:
        twin.communities, twin.photos = copy.deepcopy((emu.communities, emu.photos))
        twin.users_by_id = dict(emu.users_by_id)
        twin.tokens = dict(emu.tokens)
        twin.next_photo_id = emu.next_photo_id
        twin.photo_bytes = dict(emu.photo_bytes)
    return twin


def methods_of(entry: dict) -> list[str]:
    if entry["method"] == "execute":
        return [inner["method"] for inner in entry.get("inner", [])]
    return [entry["method"]]


def log_figures(entries: list[dict]) -> dict:
    """Requests (HTTP, to the API) by method, calls by method (execute's inner calls unpacked), writes."""
    requests = Counter(entry["method"] for entry in entries)
    calls = Counter(method for entry in entries for method in methods_of(entry))
    writes = sum(1 for entry in entries if WRITE_METHODS.intersection(methods_of(entry)))
    return {
        "vk_requests": len(entries),
        "vk_by_method": dict(sorted(requests.items())),
        "vk_calls": dict(sorted(calls.items())),
        "write_requests": writes,
        "rate_limited": sum(1 for entry in entries if entry.get("error_code") == 6),
    }


def _packed(calls: int) -> int:
    return math.ceil(calls / EXECUTE_LIMIT)


def needed_calls(before, after, *, bulk_files: int = 0) -> dict[str, int]:
    """The API calls a phase needed, by stage, from the shop `before` and `after` it (emulator Shop objects).

    With the bulk photo flow (`bulk_files` > 1) one upload address and one save serve that many photos."""
    live_before = [item for item in before.items.values() if not item.removed]
    created_albums = [a for a in after.albums if a not in before.albums]
    deleted_albums = [a for a in before.albums if a not in after.albums]
    renamed = [a for a in after.albums if a in before.albums and after.albums[a].title != before.albums[a].title]
    new_photos = [p for p in after.photos if p not in before.photos]
    item_ops, added, taken_out = 0, Counter(), 0
    for item_id, item in after.items.items():
        old = before.items.get(item_id)
        if old is None or any(getattr(old, f) != getattr(item, f) for f in ITEM_FIELDS):
            item_ops += 1
        old_albums = set(old.album_ids) if old else set()
        added.update(set(item.album_ids) - old_albums)
        taken_out += bool(old_albums - set(item.album_ids) - set(deleted_albums))
    reads = max(1, math.ceil(len(before.albums) / ALBUMS_PER_READ)) + max(
        1, math.ceil(len(live_before) / ITEMS_PER_READ)
    )
    membership = sum(math.ceil(n / ITEMS_PER_ADD_TO_ALBUM) for n in added.values()) + taken_out
    photo_requests = math.ceil(len(new_photos) / bulk_files) if bulk_files > 1 else len(new_photos)
    properties, values, cards = card_work(before, after)
    return {
        "reads": reads + (1 if properties or values or cards else 0),
        "album_ops": len(created_albums) + len(renamed),
        "properties": properties,
        "values": values,
        "photo_servers": photo_requests,
        "photo_saves": photo_requests,
        "item_ops": item_ops,
        "membership": membership,
        "cards": cards,
        "album_deletes": len(deleted_albums),
    }


def card_work(before, after) -> tuple[int, int, int]:
    """(properties made, values made, cards grouped or ungrouped) between the shop `before` and `after`."""
    properties = [pid for pid in after.properties if pid not in before.properties]
    values = sum(
        1
        for pid, prop in after.properties.items()
        for vid in prop.variants
        if pid not in before.properties or vid not in before.properties[pid].variants
    )
    held_before = {frozenset(items) for items in before.groupings.values()}
    held_after = {frozenset(items) for items in after.groupings.values()}
    grouped = sum(1 for items in held_after if items not in held_before)
    gone = sum(1 for card, items in before.groupings.items() if card not in after.groupings and items)
    return len(properties), values, grouped + gone


def minimal_requests(stages: dict[str, int]) -> int:
    packed = sum(_packed(calls) for stage, calls in stages.items() if stage != "photo_saves")
    return packed + stages["photo_saves"]


def reads_only(stages: dict[str, int]) -> dict[str, int]:
    """The same shop, read and left as it is (a VK cache refresh)."""
    return {stage: (calls if stage == "reads" else 0) for stage, calls in stages.items()}
