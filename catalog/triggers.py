"""Every way a catalog refresh is asked for: the merchant's button, a token or a push announced by
`connections`, a change of the selection. Bursts are folded into one refresh (`queue_refresh_soon`)."""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from core.locks import merchant_key


def queue_refresh(*, merchant_id: int, countdown: float = 0) -> None:
    """Queue a catalog refresh once the current transaction commits."""
    from catalog.tasks import refresh_catalog

    transaction.on_commit(lambda: refresh_catalog.apply_async(args=[merchant_id], countdown=countdown or None))


def refresh_soon_key(merchant_id: int, reason: str) -> str:
    return merchant_key(f"evotor-refresh-soon:{reason}", merchant_id)


def queue_refresh_soon(*, merchant_id: int, delay: float, reason: str) -> bool:
    """Queue one catalog refresh `delay` seconds from now; what happens meanwhile rides along with it.

    Returns True when a refresh was queued, False when one is already on its way.
    """
    if not cache.add(refresh_soon_key(merchant_id, reason), 1, timeout=max(1, int(delay))):
        return False
    queue_refresh(merchant_id=merchant_id, countdown=delay)
    return True


def on_token_received(sender, *, merchant_id: int, **kwargs) -> None:
    """connections.signals.evotor_token_received: read the catalog with the new token."""
    queue_refresh(merchant_id=merchant_id)


def on_catalog_pushed(sender, *, merchant_id: int, **kwargs) -> None:
    """connections.signals.evotor_catalog_pushed: one refresh per quiet period, however many pushes."""
    queue_refresh_soon(merchant_id=merchant_id, delay=settings.EVOTOR_PUSH_REFRESH_DELAY_SECONDS, reason="push")


def on_stock_moved(sender, *, merchant_id: int, products: list, **kwargs) -> None:
    """connections.signals.evotor_stock_moved: the products are noted; one recheck per quiet period reads them
    again (STOCK_SYNC_DEBOUNCE_SECONDS after the first of a burst)."""
    from catalog.stock import note_stock_moved

    if note_stock_moved(merchant_id=merchant_id, products=products):
        queue_recheck_soon(merchant_id=merchant_id, delay=settings.STOCK_SYNC_DEBOUNCE_SECONDS)


def queue_recheck_soon(*, merchant_id: int, delay: float) -> bool:
    """Queue one stock recheck `delay` seconds from now; products noted meanwhile ride along with it."""
    from catalog.tasks import recheck_stock

    if not cache.add(refresh_soon_key(merchant_id, "stock"), 1, timeout=max(1, int(delay))):
        return False
    transaction.on_commit(lambda: recheck_stock.apply_async(args=[merchant_id], countdown=delay or None))
    return True


def recheck_starting(*, merchant_id: int) -> None:
    """The quiet period ends as its recheck starts: a product named from now on queues the next recheck (the key
    would otherwise outlive a period under a second, and what this recheck leaves would wait for the next sale)."""
    cache.delete(refresh_soon_key(merchant_id, "stock"))


def on_selection_changed(*, merchant_id: int) -> None:
    """A few switches in a row lead to one refresh (pictures of what was picked), then its sync."""
    queue_refresh_soon(
        merchant_id=merchant_id, delay=settings.CATALOG_SELECTION_REFRESH_DELAY_SECONDS, reason="selection"
    )
