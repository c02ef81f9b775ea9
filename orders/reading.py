"""VK's order objects (market_order, market_order_item) read into plain values; tolerant of missing and unknown
fields, since VK adds fields and callback objects may be partial. Pure: no I/O."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from core.numbers import ascii_int


@dataclass(frozen=True)
class VkOrderLine:
    vk_item_id: int
    title: str
    quantity: int
    price: Decimal


@dataclass(frozen=True)
class VkOrder:
    vk_order_id: int
    group_id: int
    vk_user_id: int
    display_order_id: str
    status: int
    ordered_at: datetime
    total: Decimal
    items_count: int
    comment: str
    address: str
    merchant_comment: str
    track_number: str
    preview: tuple[VkOrderLine, ...]


def roubles(price) -> Decimal:
    """VK's price object: `amount` is a string in hundredths (kopecks)."""
    if not isinstance(price, dict):
        return Decimal(0)
    try:
        return (Decimal(str(price.get("amount") or 0)) / 100).quantize(Decimal("0.01"))
    except InvalidOperation:
        return Decimal(0)


def _int(value, default: int = 0) -> int:
    number = value if isinstance(value, int) and not isinstance(value, bool) else ascii_int(value, signed=True)
    return default if number is None else number


def _text(value, limit: int = 10000) -> str:
    return value[:limit] if isinstance(value, str) else ""


def read_line(data: dict) -> VkOrderLine | None:
    """A market_order_item; None when it names no item."""
    if not isinstance(data, dict):
        return None
    item = data.get("item") if isinstance(data.get("item"), dict) else {}
    item_id = _int(data.get("item_id"), 0) or _int(item.get("id"), 0)
    if item_id <= 0:
        return None
    title = _text(data.get("title")) or _text(item.get("title"))
    return VkOrderLine(
        vk_item_id=item_id,
        title=title[:255],
        quantity=max(_int(data.get("quantity"), 1), 0),
        price=roubles(data.get("price")),
    )


def read_order(data: dict) -> VkOrder | None:
    """A market_order; None when it lacks what identifies an order (id, group, buyer)."""
    if not isinstance(data, dict):
        return None
    order_id, group_id, user_id = (
        _int(data.get("id"), -1),
        _int(data.get("group_id"), -1),
        _int(data.get("user_id"), -1),
    )
    if order_id < 0 or group_id <= 0 or user_id < 0:
        return None
    preview = data.get("preview_order_items") if isinstance(data.get("preview_order_items"), list) else []
    date = _int(data.get("date"), 0)
    return VkOrder(
        vk_order_id=order_id,
        group_id=group_id,
        vk_user_id=user_id,
        display_order_id=_text(data.get("display_order_id"), 64),
        status=_int(data.get("status"), 0),
        ordered_at=datetime.fromtimestamp(date, tz=UTC) if date > 0 else datetime.now(tz=UTC),
        total=roubles(data.get("total_price")),
        items_count=max(_int(data.get("items_count"), 0), 0),
        comment=_text(data.get("comment")),
        address=_text(data.get("address")),
        merchant_comment=_text(data.get("merchant_comment")),
        track_number=_text(data.get("track_number"), 64),
        preview=tuple(line for line in map(read_line, preview) if line is not None),
    )
