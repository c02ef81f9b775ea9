"""What the catalog wants in VK, read once for a sliced run and kept for its later slices.

Turning every published product into its desired item (`vksync.inputs`) is most of a plan's work. A run that
planned it again in every slice spent 4–9 s of a 6-s slice on it for a 20,000-product shop on a loaded node
(docs/benchmarks.md, "Many shops"). So a run reads it once: in chunks of products by id, as many as the slice's
deadline holds (a large catalog's first plan is cut between slices too), kept in the cache (Redis in production)
between them. A later slice reads again only the products whose pictures were learnt since: pictures are what a
run itself changes in the catalog. Those items are kept apart, as the run's changes (`Changes`): a slice writes
only them, never the whole catalog again (re-keeping a 20,000-product catalog in every slice took 1.5–4 s of a
loaded node's slice). Any other change during the run (a refresh, Evotor's push, the merchant's
rules) asks for one more run (`vksync.triggers`), which reads the catalog anew. A catalog the cache lost (expired,
evicted, emptied) is read again: the cache only saves work, it is never the truth.
"""

import dataclasses
import logging
import pickle
import zlib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from catalog.selectors import published_products
from core.slices import Slice
from vksync.inputs import PRODUCT_FIELDS, ItemMaker, WantedCatalog, read_products
from vksync.planning import DesiredItem

log = logging.getLogger(__name__)

KEPT_FORMAT = 3  # moves on when WantedCatalog or DesiredItem changes: a run kept by older code is read again
ITEMS_PER_PART = 1000  # items pickled in one call (`_pack`)
CLOCK_SKEW = timedelta(seconds=60)  # a node's clock may lag: pictures learnt this much before a read are read again


@dataclasses.dataclass
class Changes:
    """What a run's slices changed in its complete kept catalog: the items made again once their pictures were
    learnt, and those pictures' sources; `read_at`: when the products were last read for them."""

    read_at: datetime | None
    items: dict[int, DesiredItem] = dataclasses.field(default_factory=dict)  # product id → its item made again
    photo_sources: dict[str, str] = dataclasses.field(default_factory=dict)


def catalog_for_slice(*, run, merchant, maker: ItemMaker, clock: Slice) -> WantedCatalog | None:
    """The run's wanted catalog, read on as far as the slice's deadline holds (the whole of it without one);
    None while some of it is left for the next slice (what was read is kept)."""
    if clock.deadline is None:
        return read_products(WantedCatalog(), merchant=merchant, maker=maker)
    catalog = kept(run)
    if catalog is not None and catalog.complete:
        changes = _kept_changes(run) or Changes(read_at=catalog.read_at)
        if _read_learnt_pictures(catalog, changes, merchant=merchant, maker=maker):
            _keep_changes(run, changes)
        catalog.replace_items(changes.items.values(), changes.photo_sources)
        return catalog
    catalog = catalog or WantedCatalog(read_at=timezone.now())
    read_products(catalog, merchant=merchant, maker=maker, clock=clock)
    keep(run, catalog)
    if not catalog.complete:
        log.info("sync reads the catalog on in the next slice", extra={"run_id": run.pk, "read": len(catalog.desired)})
        return None
    return catalog


def _read_learnt_pictures(catalog: WantedCatalog, changes: Changes, *, merchant, maker: ItemMaker) -> int:
    """Products still waiting for their pictures whose pictures were learnt since they were last read: made again,
    into `changes`. How many."""
    waiting = {item.product_id for item in catalog.desired if item.pictures_pending}
    waiting -= {product_id for product_id, item in changes.items.items() if not item.pictures_pending}
    if not waiting:
        return 0
    since, now = changes.read_at - CLOCK_SKEW, timezone.now()
    learnt = published_products(merchant=merchant).filter(images_checked_at__gte=since).values(*PRODUCT_FIELDS)
    made = 0
    for product in learnt:
        if product["id"] in waiting:
            item, pictures, _album = maker.item(product)
            changes.items[product["id"]] = item
            changes.photo_sources.update(pictures)
            made += 1
    changes.read_at = now
    return made


def kept(run) -> WantedCatalog | None:
    """The run's catalog as its earlier slices read it; None when the cache has none, holds something else under
    its key, or cannot be reached (then the catalog is read again)."""
    try:
        return _cached(_key(run), _unpack)
    except Exception:  # noqa: BLE001 - Redis away, or an entry of another version of the code: only work is lost
        log.warning("a run's kept catalog could not be read: read again", extra={"run_id": run.pk})
        return None


def keep(run, catalog: WantedCatalog) -> None:
    """Kept for the run's next slices; a cache that cannot be reached keeps nothing (they read it again)."""
    _put(_key(run), _pack(catalog), run)


def _pack(catalog: WantedCatalog) -> bytes:
    """The catalog pickled with its items in parts of ITEMS_PER_PART: a worker's other threads run between two
    parts. Pickling or unpickling 20,000 items in one call holds the GIL throughout (0.1–0.3 s on a loaded node, and
    every slot of a threads pool's node waits meanwhile)."""
    items = catalog.desired
    parts = [pickle.dumps(items[at : at + ITEMS_PER_PART], protocol=pickle.HIGHEST_PROTOCOL)
             for at in range(0, len(items), ITEMS_PER_PART)]  # fmt: skip
    shell = dataclasses.replace(catalog, desired=[])
    return zlib.compress(pickle.dumps((shell, parts), protocol=pickle.HIGHEST_PROTOCOL), 1)


def _unpack(packed: bytes) -> WantedCatalog:
    shell, parts = pickle.loads(zlib.decompress(packed))  # noqa: S301 - _pack() wrote it, in our own cache
    for part in parts:
        shell.desired.extend(pickle.loads(part))  # noqa: S301 - the same
    return shell


def _kept_changes(run) -> Changes | None:
    """The run's changes to its complete kept catalog (None: none yet, or the cache lost them; then the pictures
    learnt since the catalog was read are read again)."""
    try:
        return _cached(_changes_key(run), lambda packed: pickle.loads(zlib.decompress(packed)))  # noqa: S301 - ours
    except Exception:  # noqa: BLE001 - Redis away, or an entry of another version of the code: read again
        return None


def _keep_changes(run, changes: Changes) -> None:
    _put(_changes_key(run), zlib.compress(pickle.dumps(changes, protocol=pickle.HIGHEST_PROTOCOL), 1), run)


def _cached(key: str, unpack):
    """What the cache holds under `key`, unpacked (None when nothing); raises what the cache or `unpack` raised."""
    packed = cache.get(key)
    return None if packed is None else unpack(packed)


def _put(key: str, packed: bytes, run) -> None:
    try:
        cache.set(key, packed, timeout=settings.SYNC_CATALOG_KEPT_SECONDS)
    except Exception:  # noqa: BLE001 - the cache only saves work
        log.warning("a run's catalog could not be kept", extra={"run_id": run.pk})


def forget(run) -> None:
    """The run ended: its catalog is not kept any longer (a cache that cannot be reached lets it expire)."""
    try:
        cache.delete_many([_key(run), _changes_key(run)])
    except Exception:  # noqa: BLE001 - a run must close even with Redis away; the entry expires by itself
        log.warning("could not forget a run's kept catalog", extra={"run_id": run.pk})


def _key(run) -> str:
    """The run's id and the moment it was made: a database restored or made anew reuses ids, not moments."""
    return f"vksync:run-catalog:{KEPT_FORMAT}:{run.pk}:{run.created_at.timestamp():.6f}"


def _changes_key(run) -> str:
    return _key(run) + ":changes"
