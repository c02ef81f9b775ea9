"""Keeping the VK shop cache true between full reads: EvoSync's own writes are written into it from VK's answers.

A sync plans from the cache. It reads the whole shop only when the cache cannot be trusted (`needs_full_read`):
never read, a run's writes not all in it (a crash, a lost answer, a write this module cannot mirror), the last full
read older than `VK_SHOP_FULL_READ_SECONDS` (hand edits in VK are seen by then), or the caller asks for one.

The guarantee that no plan is built on a cache older than the last write, in three rules:
1. A run calls `begin_writes` before its first write: the cache stops being trusted and `version` moves on.
2. A run lays its writes and VK's answers over the cache as they come (`lay_writes`, while its next request is in
   flight), and hands the rest to `mirror_writes` once it has them all; the cache is trusted again only if it was
   trusted at `begin_writes` and every write was understood. A run that stopped half way never gets there, so
   the next one reads the shop whole (what it laid meanwhile is replaced by that read).
3. A full read is stored only if `version` did not move while it was read (checked under the state's row lock;
   every `lay_writes` moves it too), so a read that overlapped a run's writes never replaces what the run wrote;
   only a read made under the merchant's sync lock (no write of theirs can overlap it) makes the cache trusted.
"""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from core.upsert import insert_models, upsert_models
from vkshop.models import VkAlbum, VkItem, VkItemInAlbum, VkShopState

ITEM_GONE, ALBUM_GONE = 1403, 1402
READS = {"market.get", "market.getById", "market.getAlbums", "market.getAlbumById", "market.getCategories"}
READS |= {"market.getProperties"}
NOT_SHOP_WRITES = {"market.getProductPhotoUploadServer", "market.saveProductPhoto", "market.saveProductPhotoBulk"}
# Variants: properties and their values, and which items make one card, are not in the shop cache (vksync keeps
# them in its own tables from these answers), so these writes leave the cached items and albums as they are.
NOT_SHOP_WRITES |= {f"market.{verb}Property" for verb in ("add", "edit", "delete")}
NOT_SHOP_WRITES |= {f"market.{verb}PropertyVariant" for verb in ("add", "edit", "delete")}
NOT_SHOP_WRITES |= {"market.groupItems", "market.ungroupItems"}
MEMBERSHIP = {"market.addToAlbum", "market.removeFromAlbum"}
ITEM_FIELDS = {"name": "title", "description": "description", "sku": "sku", "category_id": "category_id"}


def _state(merchant, group_id: int) -> VkShopState:
    state, _ = VkShopState.objects.get_or_create(merchant=merchant, group_id=group_id)
    return state


def needs_full_read(*, merchant, group_id: int, now=None) -> str:
    """Why the cache must be read whole before a plan ("" when it may be trusted as it is)."""
    state = VkShopState.objects.filter(merchant=merchant, group_id=group_id).first()
    if state is None or state.full_read_at is None:
        return "never read"
    if not state.trusted:
        return "writes not in the cache"
    if state.full_read_at + timedelta(seconds=settings.VK_SHOP_FULL_READ_SECONDS) <= (now or timezone.now()):
        return "daily full read"
    return ""


def kept_by_writes(*, merchant, group_id: int) -> bool:
    """Whether a sync keeps this cache from its own writes and it may wait for its scheduled full read."""
    return (
        not needs_full_read(merchant=merchant, group_id=group_id)
        and VkShopState.objects.filter(merchant=merchant, group_id=group_id, written_at__isnull=False).exists()
    )


def read_version(*, merchant, group_id: int) -> int:
    """The state's version before a full read: the read is stored only if it has not moved meanwhile."""
    return _state(merchant, group_id).version


def lock_for_store(*, merchant, group_id: int, version: int | None, exclusive: bool) -> bool:
    """Inside the store's transaction: whether the full read read at `version` may be stored; if so, record it.

    `exclusive`: the caller holds the merchant's sync lock, so the read makes the cache trusted."""
    state = _locked_state(merchant, group_id)
    if version is not None and state.version != version:
        return False
    state.full_read_at = timezone.now()
    state.trusted = state.trusted or exclusive
    state.save(update_fields=["full_read_at", "trusted"])
    return True


def forget_other_communities(*, merchant, group_id: int) -> None:
    """The merchant's cache of other communities is gone (a store keeps one community): so is trust in it."""
    VkShopState.objects.filter(merchant=merchant).exclude(group_id=group_id).delete()


def begin_writes(*, merchant, group_id: int) -> bool:
    """Before a run's first write: the cache is no longer trusted. Returns whether it was (for `mirror_writes`)."""
    with transaction.atomic():
        state = _locked_state(merchant, group_id)
        was_trusted = state.trusted
        VkShopState.objects.filter(pk=state.pk).update(trusted=False, version=F("version") + 1)
    return was_trusted


@transaction.atomic
def lay_writes(*, merchant, group_id: int, writes: list) -> bool:
    """Lay some of a run's writes over the cache now (the rest go to `mirror_writes`); `writes` as there. The cache
    stays untrusted and `version` moves on, so a full read that overlapped them is not stored. Returns whether
    every write was understood (the run hands that to `mirror_writes`)."""
    state = _locked_state(merchant, group_id)
    understood = _lay(merchant, group_id, writes)
    VkShopState.objects.filter(pk=state.pk).update(version=F("version") + 1)
    return understood


@transaction.atomic
def mirror_writes(*, merchant, group_id: int, writes: list, was_trusted: bool, laid_understood: bool = True) -> bool:
    """Write a run's last writes into the cache from VK's answers; `writes` holds (method, params, ok, answer or
    error code) in the order they were sent, after those given to `lay_writes` (`laid_understood`: all of those
    were understood). Returns whether the cache is trusted again."""
    state = _locked_state(merchant, group_id)
    understood = _lay(merchant, group_id, writes, recount=True)
    state.trusted = was_trusted and laid_understood and understood
    state.version += 1
    state.written_at = timezone.now()
    state.save(update_fields=["trusted", "version", "written_at"])
    return state.trusted


def _locked_state(merchant, group_id: int) -> VkShopState:
    """The state's row, made if missing, locked for the caller's transaction."""
    _state(merchant, group_id)
    return VkShopState.objects.select_for_update().get(merchant=merchant, group_id=group_id)


def _lay(merchant, group_id: int, writes: list, *, recount: bool = False) -> bool:
    mirror = _Mirror(merchant, group_id, writes)
    understood = all([mirror.apply(*write) for write in writes])  # every write laid, understood or not
    mirror.save(recount=recount)
    return understood


def _ids(value) -> list[int]:
    """VK's id lists: an int, a list, or a comma-separated string."""
    if isinstance(value, list | tuple | set):
        return [int(v) for v in value]
    return [int(v) for v in str(value).split(",") if v.strip()]


def _money(value) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01")) if value not in (None, "") else None
    except InvalidOperation:
        return None


class _Mirror:
    """The cached items and albums the writes touch, in memory while the writes are laid over them, then saved.

    Items only moved between albums are held as their album lists alone (`placed`), not as whole rows: a first
    sync's album step moves every item, and rewriting whole rows for it was most of the mirror's time."""

    def __init__(self, merchant, group_id: int, writes: list):
        self.merchant, self.group_id = merchant, group_id
        mine = {"merchant": merchant, "group_id": group_id}
        rows, moves = set(), set()
        for method, params, _ok, _answer in writes:
            if method not in READS and method not in NOT_SHOP_WRITES:
                (moves if method in MEMBERSHIP else rows).update(_item_ids(params))
        moves -= rows
        self.items = {item.vk_id: item for item in VkItem.objects.filter(**mine, vk_id__in=rows)} if rows else {}
        self.placed: dict[int, tuple[int, list]] = {}  # vk id → (row id, album ids) of items only moved
        if moves:
            found = VkItem.objects.filter(**mine, vk_id__in=moves).values_list("vk_id", "pk", "album_ids")
            self.placed = {vk_id: (pk, list(album_ids or [])) for vk_id, pk, album_ids in found}
        # Items in an album as read (an item's places follow its album list): only theirs are deleted when they move.
        self.had_places = {vk_id for vk_id, item in self.items.items() if item.album_ids}
        self.had_places |= {vk_id for vk_id, (_pk, albums) in self.placed.items() if albums}
        self._albums: dict[int, VkAlbum] | None = None
        self.changed_items: set[int] = set()
        self.moved_items: set[int] = set()  # their album lists changed: their places are written again
        self.changed_albums: set[int] = set()
        self.gone_items: set[int] = set()
        self.gone_albums: set[int] = set()
        self.now = timezone.now()

    @property
    def albums(self) -> dict[int, VkAlbum]:
        if self._albums is None:  # read only by the writes that need it: item writes alone never do
            found = VkAlbum.objects.filter(merchant=self.merchant, group_id=self.group_id)
            self._albums = {album.vk_id: album for album in found}
        return self._albums

    def apply(self, method: str, params: dict, ok: bool, answer) -> bool:
        """Lay one write over the cache; False when it is not understood (the cache cannot be trusted)."""
        if method in READS or method in NOT_SHOP_WRITES:
            return True
        if not ok:
            return self._refused(method, params, answer)
        handler = getattr(self, "_" + method.removeprefix("market."), None)
        if handler is None:
            return False
        handler(params, answer)
        return True

    def _refused(self, method: str, params: dict, code) -> bool:
        """VK refused the write, so nothing changed; unless its answer says the item or album is gone."""
        if code == ITEM_GONE and "item_id" in params:
            self._drop_item(int(params["item_id"]))
        if code == ALBUM_GONE and method in ("market.editAlbum", "market.deleteAlbum"):
            self._drop_album(int(params["album_id"]))
        return True

    def _add(self, params: dict, answer) -> None:
        vk_id = int(answer["market_item_id"]) if isinstance(answer, dict) else int(answer)
        self.items[vk_id] = VkItem(merchant=self.merchant, group_id=self.group_id, vk_id=vk_id, album_ids=[])
        self.gone_items.discard(vk_id)
        self._edit({**params, "item_id": vk_id}, 1)

    def _edit(self, params: dict, _answer) -> None:
        item = self.items.get(int(params["item_id"]))
        if item is None:  # an item the cache lacks (made by hand since the last full read): that read brings it
            return
        for name, field in ITEM_FIELDS.items():
            if name in params:
                setattr(item, field, str(params[name])[:255] if field == "title" else params[name])
        if "price" in params:
            item.price = _money(params["price"]) or Decimal(0)
        if "old_price" in params:
            item.old_price = _money(params["old_price"]) or None
        if "stock_amount" in params:
            item.stock_amount = int(params["stock_amount"])
        if "main_photo_id" in params or "photo_ids" in params:
            main = [int(params["main_photo_id"])] if params.get("main_photo_id") else item.photo_ids[:1]
            item.photo_ids = main + (_ids(params["photo_ids"]) if "photo_ids" in params else item.photo_ids[1:])
        if int(params.get("deleted", item.availability == VkItem.Availability.REMOVED)):
            item.availability = VkItem.Availability.REMOVED
        elif item.stock_amount == 0:
            item.availability = VkItem.Availability.UNAVAILABLE
        else:
            item.availability = VkItem.Availability.AVAILABLE
        item.date = self.now
        self.changed_items.add(item.vk_id)

    def _delete(self, params: dict, _answer) -> None:
        self._drop_item(int(params["item_id"]))

    def _albums_of(self, vk_id: int) -> list | None:
        """The item's album list, to change in place (None: the cache lacks the item)."""
        if vk_id in self.items:
            return self.items[vk_id].album_ids
        return self.placed[vk_id][1] if vk_id in self.placed else None

    def _addToAlbum(self, params: dict, _answer) -> None:  # noqa: N802 - named after VK's method
        for vk_id in _ids(params["item_ids"]):
            albums = self._albums_of(vk_id)
            if albums is not None:
                albums.extend(a for a in _ids(params["album_ids"]) if a not in albums)
                self.moved_items.add(vk_id)

    def _removeFromAlbum(self, params: dict, _answer) -> None:  # noqa: N802 - named after VK's method
        vk_id = int(params["item_id"])
        albums = self._albums_of(vk_id)
        if albums is not None:
            out = set(_ids(params["album_ids"]))
            albums[:] = [a for a in albums if a not in out]
            self.moved_items.add(vk_id)

    def _addAlbum(self, params: dict, answer) -> None:  # noqa: N802 - named after VK's method
        vk_id = int(answer["market_album_id"])
        self.albums[vk_id] = VkAlbum(
            merchant=self.merchant, group_id=self.group_id, vk_id=vk_id, title=str(params["title"])[:255]
        )
        self.gone_albums.discard(vk_id)
        self.changed_albums.add(vk_id)

    def _editAlbum(self, params: dict, _answer) -> None:  # noqa: N802 - named after VK's method
        album = self.albums.get(int(params["album_id"]))
        if album is not None:
            album.title = str(params["title"])[:255]
            self.changed_albums.add(album.vk_id)

    def _deleteAlbum(self, params: dict, _answer) -> None:  # noqa: N802 - named after VK's method
        self._drop_album(int(params["album_id"]))

    def _drop_item(self, vk_id: int) -> None:
        self.items.pop(vk_id, None)
        self.placed.pop(vk_id, None)
        self.changed_items.discard(vk_id)
        self.moved_items.discard(vk_id)
        self.gone_items.add(vk_id)

    def _drop_album(self, vk_id: int) -> None:
        """The album is gone, and every item leaves it: those held here now (their lists are written after the
        others'), the rest in the database (`_leave_albums`)."""
        self.albums.pop(vk_id, None)
        self.changed_albums.discard(vk_id)
        self.gone_albums.add(vk_id)
        for item_id in [*self.items, *self.placed]:
            albums = self._albums_of(item_id)
            if vk_id in albums:
                albums[:] = [a for a in albums if a != vk_id]
                self.moved_items.add(item_id)

    def save(self, *, recount: bool) -> None:
        """The changed rows and the moved items' places written; with `recount`, album counts counted again."""
        mine = {"merchant": self.merchant, "group_id": self.group_id}
        unique = ["merchant", "group_id", "vk_id"]
        if self.gone_items:
            VkItem.objects.filter(**mine, vk_id__in=self.gone_items).delete()
        if self.gone_albums:  # an album deleted in VK leaves every item that was in it
            VkAlbum.objects.filter(**mine, vk_id__in=self.gone_albums).delete()
            self._leave_albums(self.gone_albums)
        upsert_models(VkItem, [self.items[vk_id] for vk_id in self.changed_items], unique)
        self._save_places()
        if recount or self.gone_albums:
            self._recount()
        upsert_models(VkAlbum, [self.albums[vk_id] for vk_id in self.changed_albums], unique)

    def _save_places(self) -> None:
        """The moved items' places written again; the album lists of those only moved, one UPDATE per list (an
        item is in its group's album, so there are about as many lists as albums)."""
        if not self.moved_items:
            return
        rows = [vk_id for vk_id in self.moved_items if vk_id in self.items]  # saved whole above: their ids read
        mine = {"merchant": self.merchant, "group_id": self.group_id}
        pk_of = dict(VkItem.objects.filter(**mine, vk_id__in=rows).values_list("vk_id", "pk")) if rows else {}
        pk_of |= {vk_id: pk for vk_id, (pk, _albums) in self.placed.items()}
        lists = {pk_of[vk_id]: self._albums_of(vk_id) for vk_id in self.moved_items}
        by_list: dict[tuple, list[int]] = {}
        for vk_id in self.moved_items - set(rows):
            by_list.setdefault(tuple(self._albums_of(vk_id)), []).append(pk_of[vk_id])
        for albums, pks in by_list.items():
            VkItem.objects.filter(pk__in=pks).update(album_ids=list(albums))
        had = [pk_of[vk_id] for vk_id in self.moved_items & self.had_places]
        if had:  # a first sync's items had no album before: nothing to delete
            VkItemInAlbum.objects.filter(item_id__in=had).delete()
        places = [
            VkItemInAlbum(item_id=pk, group_id=self.group_id, album_vk_id=album_id)
            for pk, albums in lists.items()
            for album_id in set(albums)
        ]
        insert_models(VkItemInAlbum, places)

    def _recount(self) -> None:
        counts = dict(
            VkItemInAlbum.objects.filter(group_id=self.group_id, item__merchant=self.merchant)
            .values_list("album_vk_id")
            .annotate(n=Count("id"))
        )
        for album in self.albums.values():
            if album.count != counts.get(album.vk_id, 0):
                album.count = counts.get(album.vk_id, 0)
                self.changed_albums.add(album.vk_id)

    def _leave_albums(self, album_ids: set[int]) -> None:
        places = VkItemInAlbum.objects.filter(group_id=self.group_id, item__merchant=self.merchant)
        leaving = places.filter(album_vk_id__in=album_ids)
        items = list(VkItem.objects.filter(pk__in=leaving.values("item_id")))
        for item in items:
            item.album_ids = [a for a in item.album_ids if a not in album_ids]
        VkItem.objects.bulk_update(items, ["album_ids"], batch_size=500)
        leaving.delete()


def items_touched(writes: list) -> int:
    """How many cached items laying `writes` touches (what laying them costs grows with): an item per item id."""
    return sum(len(_item_ids(params)) for method, params, *_rest in writes if method not in NOT_SHOP_WRITES)


def _item_ids(params: dict) -> list[int]:
    if "item_id" in params:
        return [int(params["item_id"])]
    return _ids(params["item_ids"]) if "item_ids" in params else []
