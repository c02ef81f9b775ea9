"""What the catalog wants in VK, read once for a sliced run and kept for its later slices.

Turning every published product into its desired item (`vksync.inputs`) is most of a plan's work. A run that
planned it again in every slice spent 4–9 s of a 6-s slice on it for a 20,000-product shop on a loaded node
(docs/benchmarks.md, "Many shops"). So a run reads it once: in chunks of products by id, as many as the slice's
deadline holds (a large catalog's first plan is cut between slices too), kept in the cache (Redis in production)
between them. A later slice reads again only the products whose pictures were learnt since: pictures are what a
run itself changes in the catalog. Any other change during the run (a refresh, Evotor's push, the merchant's
rules) asks for one more run (`vksync.triggers`), which reads the catalog anew. A catalog the cache lost (expired,
evicted, emptied) is read again: the cache only saves work, it is never the truth.
"""

import logging
import pickle
import zlib
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from catalog.selectors import published_products
from core.slices import Slice
from vksync.inputs import PRODUCT_FIELDS, ItemMaker, WantedCatalog, read_products

log = logging.getLogger(__name__)

KEPT_FORMAT = 1  # moves on when WantedCatalog or DesiredItem changes: a run kept by older code is read again
CLOCK_SKEW = timedelta(seconds=60)  # a node's clock may lag: pictures learnt this much before a read are read again


def catalog_for_slice(*, run, merchant, maker: ItemMaker, clock: Slice) -> WantedCatalog | None:
    """The run's wanted catalog, read on as far as the slice's deadline holds (the whole of it without one);
    None while some of it is left for the next slice (what was read is kept)."""
    if clock.deadline is None:
        return read_products(WantedCatalog(), merchant=merchant, maker=maker)
    catalog = kept(run)
    if catalog is not None and catalog.complete:
        if _read_learnt_pictures(catalog, merchant=merchant, maker=maker):
            keep(run, catalog)
        return catalog
    catalog = catalog or WantedCatalog(read_at=timezone.now())
    read_products(catalog, merchant=merchant, maker=maker, clock=clock)
    keep(run, catalog)
    if not catalog.complete:
        log.info("sync reads the catalog on in the next slice", extra={"run_id": run.pk, "read": len(catalog.desired)})
        return None
    return catalog


def _read_learnt_pictures(catalog: WantedCatalog, *, merchant, maker: ItemMaker) -> int:
    """Products waiting for their pictures whose pictures were learnt since the catalog was read: made again."""
    waiting = {item.product_id for item in catalog.desired if item.pictures_pending}
    if not waiting:
        return 0
    since, now = catalog.read_at - CLOCK_SKEW, timezone.now()
    learnt = published_products(merchant=merchant).filter(images_checked_at__gte=since).values(*PRODUCT_FIELDS)
    replaced = catalog.replace(maker, [product for product in learnt if product["id"] in waiting])
    catalog.read_at = now
    return replaced


def kept(run) -> WantedCatalog | None:
    """The run's catalog as its earlier slices read it; None when the cache has none, holds something else under
    its key, or cannot be reached (then the catalog is read again)."""
    try:
        packed = cache.get(_key(run))
        return None if packed is None else pickle.loads(zlib.decompress(packed))  # noqa: S301 - keep() wrote it
    except Exception:  # noqa: BLE001 - Redis away, or an entry of another version of the code: only work is lost
        log.warning("a run's kept catalog could not be read: read again", extra={"run_id": run.pk})
        return None


def keep(run, catalog: WantedCatalog) -> None:
    """Kept for the run's next slices; a cache that cannot be reached keeps nothing (they read it again)."""
    packed = zlib.compress(pickle.dumps(catalog, protocol=pickle.HIGHEST_PROTOCOL), 1)
    try:
        cache.set(_key(run), packed, timeout=settings.SYNC_CATALOG_KEPT_SECONDS)
    except Exception:  # noqa: BLE001 - the cache only saves work
        log.warning("a run's catalog could not be kept", extra={"run_id": run.pk})


def forget(run) -> None:
    """The run ended: its catalog is not kept any longer (a cache that cannot be reached lets it expire)."""
    try:
        cache.delete(_key(run))
    except Exception:  # noqa: BLE001 - a run must close even with Redis away; the entry expires by itself
        log.warning("could not forget a run's kept catalog", extra={"run_id": run.pk})


def _key(run) -> str:
    """The run's id and the moment it was made: a database restored or made anew reuses ids, not moments."""
    return f"vksync:run-catalog:{KEPT_FORMAT}:{run.pk}:{run.created_at.timestamp():.6f}"
