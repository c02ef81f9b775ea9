"""Evotor's JSON objects turned into our model fields, and the hash that tells what changed."""

import hashlib
import json
from decimal import Decimal, InvalidOperation

from catalog.variants import group_attributes
from connections.evotor.client import parse_evotor_time

# Fields with a column of their own; everything else Evotor sends is kept in `extra`.
PRODUCT_KNOWN = {
    "id", "parent_id", "type", "name", "code", "barcodes", "price", "cost_price", "quantity",
    "measure_name", "tax", "allow_to_sell", "description", "article_number",
    "store_id", "user_id", "created_at", "updated_at",
}  # fmt: skip
CENTS = Decimal("0.01")
THOUSANDTHS = Decimal("0.001")
MAX_MONEY = Decimal("9999999999.99")
MAX_QUANTITY = Decimal("999999999999.999")


def _decimal(value, step: Decimal, limit: Decimal) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(step)
    except (InvalidOperation, ValueError, TypeError):
        return Decimal(0).quantize(step)
    if not number.is_finite():
        return Decimal(0).quantize(step)
    return max(-limit, min(limit, number))


def _text(value, length: int | None = None) -> str:
    text = "" if value is None else str(value)
    return text[:length] if length else text


def store_fields(data: dict) -> dict:
    return {
        "name": _text(data.get("name"), 255) or _text(data.get("id"), 255),
        "address": _text(data.get("address"), 500),
        "evotor_updated_at": parse_evotor_time(data.get("updated_at")),
    }


def group_fields(data: dict) -> dict:
    return {
        "name": _text(data.get("name"), 255),
        "parent_evotor_id": _text(data.get("parent_id"), 64) or None,
        "attributes": group_attributes(data),
        "evotor_updated_at": parse_evotor_time(data.get("updated_at")),
    }


def product_fields(data: dict) -> dict:
    """The Product columns for one Evotor product (without merchant/store/group and bookkeeping)."""
    return {
        "name": _text(data.get("name"), 255),
        "parent_evotor_id": _text(data.get("parent_id"), 64) or None,
        "type": _text(data.get("type") or "NORMAL", 32),
        "code": _text(data.get("code"), 64),
        "barcodes": [str(b) for b in (data.get("barcodes") or []) if b],
        "price": _decimal(data.get("price"), CENTS, MAX_MONEY),
        "cost_price": _decimal(data.get("cost_price"), CENTS, MAX_MONEY),
        "quantity": _decimal(data.get("quantity"), THOUSANDTHS, MAX_QUANTITY),
        "measure_name": _text(data.get("measure_name"), 16),
        "tax": _text(data.get("tax"), 32),
        "allow_to_sell": data.get("allow_to_sell") is not False,
        "description": _text(data.get("description")),
        "article_number": _text(data.get("article_number"), 255),
        "extra": {k: v for k, v in data.items() if k not in PRODUCT_KNOWN},
        "evotor_updated_at": parse_evotor_time(data.get("updated_at")),
    }


def content_hash(fields: dict) -> str:
    """sha256 of what the merchant could see change (not Evotor's updated_at)."""
    material = {k: v for k, v in fields.items() if k != "evotor_updated_at"}
    encoded = json.dumps(material, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()
