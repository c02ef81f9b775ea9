"""Reading Evotor's notifications that stock or prices moved: a receipt (`/api/v2/receipts`) and store documents
(`/api/v1/inventories/stores/{storeUuid}/documents`). Tolerant: unknown fields are ignored, a missing list is
an empty one, a position without a readable product id is skipped; nothing here touches the database.
"""

import hashlib
import json
import logging
import re
from dataclasses import dataclass

logger = logging.getLogger(__name__)

# Evotor's store, product and document ids: UUIDs (stores date-prefixed); anything else in these places is skipped.
EVOTOR_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,63}")
PRODUCT_KEYS = ("productUuid", "productId", "product_id", "productID", "uuid", "id")
POSITION_LISTS = ("positions", "items", "products")


@dataclass(frozen=True)
class StockNotice:
    """One receipt or document: its id (for recording it once) and the products it names."""

    notice_id: str
    store_id: str
    products: tuple[tuple[str, str], ...]  # (store id, product id)
    kind_of_document: str = ""


def _id(value) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    value = str(value).strip()
    return value if EVOTOR_ID.fullmatch(value) else ""


def _digest(body) -> str:
    """An id for a notice that carries none: the same body resent is the same notice."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:48]


def _product_ids(positions) -> list[str]:
    if not isinstance(positions, list):
        return []
    found = []
    for position in positions:
        if not isinstance(position, dict):
            continue
        product_id = next((_id(position[key]) for key in PRODUCT_KEYS if _id(position.get(key))), "")
        if product_id:
            found.append(product_id)
    return found


def receipt(body: dict) -> StockNotice:
    """A v2 receipt: `{id, userId, type, data: {id, storeId, type, items: [{id (the product), quantity, …}]}}`."""
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    notice_id = _id(body.get("id")) or _id(data.get("id")) or _digest(body)
    store_id = _id(data.get("storeId")) or _id(body.get("storeId"))
    products = tuple((store_id, product_id) for product_id in _product_ids(data.get("items")))
    if not products:
        logger.info("receipt names no product", extra={"receipt_id": notice_id})
    return StockNotice(notice_id, store_id, products, str(data.get("type") or body.get("type") or "")[:64])


def documents(body: dict | list, store_id: str) -> list[tuple[StockNotice, dict]]:
    """Store documents (one, a list, or `{items|documents: [...]}`): each `{uuid|id, type, body: {positions}}`,
    with the document as sent (recorded as it came)."""
    store_id = _id(store_id)
    if isinstance(body, dict):
        listed = next((body[key] for key in ("documents", "items") if isinstance(body.get(key), list)), None)
        body = listed if listed is not None else [body]
    notices = []
    for document in body:
        if not isinstance(document, dict):
            continue
        inner = document.get("body") if isinstance(document.get("body"), dict) else document
        positions = next((inner[key] for key in POSITION_LISTS if isinstance(inner.get(key), list)), [])
        notice_id = _id(document.get("uuid")) or _id(document.get("id")) or _digest(document)
        kind = str(document.get("type") or "")[:64]
        products = tuple((store_id, product_id) for product_id in _product_ids(positions))
        notices.append((StockNotice(notice_id, store_id, products, kind), document))
    return notices
