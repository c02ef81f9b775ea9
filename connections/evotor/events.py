"""Evotor's Events API as the fallback where the notification webhooks are not configured
(EVOTOR_EVENTS_POLLING, off by default): product events since the last poll are read with the publisher's token
and announced per merchant like a receipt would be (`evotor_stock_moved`); the stock recheck re-reads the
products, so a late, repeated or out-of-order event changes nothing twice.

Where the last poll ended is kept in the cache; without it (first poll, cache flushed) the poll looks back
EVOTOR_EVENTS_POLL_SECONDS twice over. Windows overlap by design: an event seen twice costs one Evotor read.
"""

import logging
import time
from collections import defaultdict

from django.conf import settings
from django.core.cache import cache

from connections.evotor.client import EvotorClient, EvotorError
from connections.evotor.services import evotor_announce_stock
from connections.models import EvotorConnection

logger = logging.getLogger(__name__)
CURSOR_KEY = "evosync:evotor-events:until"
OVERLAP_MS = 5_000  # events stamped a little late by Evotor are still seen


def poll_events(*, now_ms: int | None = None) -> int:
    """Read the product events since the last poll and announce them; returns how many merchants were told."""
    if not settings.EVOTOR_EVENTS_POLLING or not settings.EVOTOR_APP_ID or not settings.EVOTOR_PUBLISHER_TOKEN:
        return 0
    until = now_ms if now_ms is not None else int(time.time() * 1000)
    since = cache.get(CURSOR_KEY) or until - 2 * settings.EVOTOR_EVENTS_POLL_SECONDS * 1000
    client = EvotorClient(settings.EVOTOR_PUBLISHER_TOKEN)
    by_user: dict[str, list[tuple[str, str]]] = defaultdict(list)
    try:
        for page in client.event_pages(settings.EVOTOR_APP_ID, since_ms=since - OVERLAP_MS, until_ms=until):
            for event in page:
                _collect(event, by_user)
    except EvotorError as error:
        logger.warning("evotor events not read", extra={"status": error.status})
        return 0
    told = 0
    for connection in EvotorConnection.objects.filter(evotor_user_id__in=list(by_user)):
        told += evotor_announce_stock(connection=connection, products=by_user[connection.evotor_user_id])
    cache.set(CURSOR_KEY, until, timeout=None)
    logger.info("evotor events polled", extra={"users": len(by_user), "merchants": told})
    return told


def _collect(event, by_user: dict) -> None:
    """A product event's (user, store, product), when it names them; anything else is skipped."""
    if not isinstance(event, dict) or event.get("type") not in (None, "Product"):
        return
    payload = event.get("payload") if isinstance(event.get("payload"), dict) else {}
    user_id, product_id = payload.get("user_id") or payload.get("userId"), payload.get("id")
    if isinstance(user_id, str) and isinstance(product_id, str) and user_id and product_id:
        store_id = payload.get("store_id") if isinstance(payload.get("store_id"), str) else ""
        by_user[user_id[:64]].append((store_id[:64], product_id[:64]))
