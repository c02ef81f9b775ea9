"""The stock recheck: the products Evotor said moved (receipts, store documents, events) are read again, one by
one, and only their stock, price and saleability are written to the cache; `stock_changed` says which moved.

No full catalog read: the hourly refresh reconciles everything else (it writes the whole row again, since the
content hash is left as the refresh last saw it). Runs under the catalog refresh's lock, so a refresh's older
page never lands over a newer product read here, and a product read here never moves back in time: an answer
older (by Evotor's `updated_at`) than what the cache holds is not written.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from catalog.models import Product, StockRecheck
from catalog.parsing import product_fields
from catalog.signals import stock_changed
from connections.evotor.client import EvotorClient, EvotorError, EvotorRequestError, EvotorStoreUnavailable
from connections.models import EvotorConnection
from connections.state import record_error
from core.locks import merchant_lock

logger = logging.getLogger(__name__)
STOCK_FIELDS = ("price", "quantity", "allow_to_sell")


@dataclass
class RecheckResult:
    """What one recheck did. `status`: ok, skipped (no connection), busy (a refresh holds the catalog), failed."""

    status: str = "ok"
    checked: int = 0
    changed: int = 0
    unknown: int = 0  # named by Evotor but not in the cache (the next refresh brings them)
    requests: int = 0
    before: dict = field(default_factory=dict)

    @property
    def transient(self) -> bool:
        return self.status in ("busy", "failed")


def note_stock_moved(*, merchant_id: int, products: list) -> int:
    """Remember the products to read again; a product named twice before the recheck is read once."""
    now = timezone.now()
    noted = 0
    for store_id, product_id in products:
        StockRecheck.objects.update_or_create(
            merchant_id=merchant_id,
            product_evotor_id=str(product_id)[:64],
            defaults={"store_evotor_id": str(store_id or "")[:64], "noted_at": now},
        )
        noted += 1
    return noted


def recheck_stock(*, merchant) -> RecheckResult:
    """Read the noted products' stock and price from Evotor; write what moved; announce it."""
    result = RecheckResult()
    connection = EvotorConnection.objects.filter(merchant=merchant).first()
    if connection is None or not connection.token or not connection.installed:
        StockRecheck.objects.filter(merchant=merchant).delete()
        result.status = "skipped"
        return result
    with merchant_lock("catalog-refresh", merchant.pk, timeout=settings.CATALOG_REFRESH_LOCK_SECONDS) as acquired:
        if not acquired:
            result.status = "busy"
            return result
        noted = list(StockRecheck.objects.filter(merchant=merchant).order_by("noted_at")[: settings.STOCK_RECHECK_MAX])
        client = EvotorClient(connection.token)
        try:
            _read_again(merchant, client, noted, result)
        except EvotorError as error:
            record_error(connection=connection, error=error)
            logger.warning("stock recheck failed", extra={"merchant_id": merchant.pk, "status": error.status})
            result.status = "failed"
        finally:
            result.requests = client.request_count
    logger.info("stock rechecked", extra={"merchant_id": merchant.pk, "checked": result.checked})
    if result.before:
        stock_changed.send(sender=recheck_stock, merchant=merchant, before=result.before)
    return result


def _read_again(merchant, client: EvotorClient, noted: list[StockRecheck], result: RecheckResult) -> None:
    ids = [row.product_evotor_id for row in noted]
    products = {
        p.evotor_id: p
        for p in Product.objects.filter(merchant=merchant, evotor_id__in=ids, removed=False).select_related("store")
    }
    for row in noted:
        product = products.get(row.product_evotor_id)
        if product is not None:
            _read_one(client, product, result)
        else:
            result.unknown += 1
        # Done with it, unless it was named again meanwhile (then the next recheck reads it once more).
        StockRecheck.objects.filter(pk=row.pk, noted_at=row.noted_at).delete()


def _read_one(client: EvotorClient, product: Product, result: RecheckResult) -> None:
    try:
        data = client.product(product.store.evotor_id, product.evotor_id)
    except (EvotorStoreUnavailable, EvotorRequestError):  # 402, or 404 (removed since): the refresh sees to it
        return
    result.checked += 1
    fields = product_fields(data) if isinstance(data, dict) else {}
    read_at = fields.get("evotor_updated_at")
    if not fields or (read_at and product.evotor_updated_at and read_at < product.evotor_updated_at):
        return  # an older state than the cache holds: never written over a newer one
    if all(getattr(product, name) == fields[name] for name in STOCK_FIELDS):
        return
    result.before[str(product.pk)] = {name: str(getattr(product, name)) for name in STOCK_FIELDS}
    for name in STOCK_FIELDS:
        setattr(product, name, fields[name])
    product.evotor_updated_at = read_at or product.evotor_updated_at
    product.save(update_fields=[*STOCK_FIELDS, "evotor_updated_at"])
    result.changed += 1
