"""VK Market orders in the emulator: a buyer places one (`place_order`), the community reads and edits them.

Methods as the schema states them: `market.getGroupOrders`, `market.getOrderById`, `market.getOrderItems`,
`market.editOrder` (user or community token of the community; error 1409 without the extended market,
1436 for an unknown order, 1456 for a status VK does not have). A new order and every edit are pushed
to the community's Callback API servers (`callbacks.emit`) as `market_order_new` / `market_order_edit`.
"""

import itertools
import time
from dataclasses import dataclass, field
from decimal import Decimal

from emulators.vk import callbacks
from emulators.vk.methods import handler, is_admin
from emulators.vk.schema import VkFault
from emulators.vk.state import item_as_vk, price_as_vk

# VK's order statuses (0 new … 6 returned); anything else is refused with 1456.
STATUSES = range(0, 7)
PREVIEW_ITEMS = 5
_order_ids = itertools.count(1)


@dataclass
class OrderLine:
    item_id: int
    quantity: int
    price: Decimal
    title: str


@dataclass
class Order:
    id: int
    group_id: int
    user_id: int
    lines: list[OrderLine]
    status: int = 0
    date: int = field(default_factory=lambda: int(time.time()))
    comment: str = ""
    address: str = ""
    merchant_comment: str = ""
    track_number: str = ""
    comment_for_user: str = ""
    payment_status: str = "not_paid"

    @property
    def total(self) -> Decimal:
        return sum((line.price * line.quantity for line in self.lines), Decimal(0))


def line_as_vk(emu, order: Order, line: OrderLine) -> dict:
    shop = emu.communities[order.group_id].shop
    item = shop.items.get(line.item_id)
    data = {
        "owner_id": -order.group_id,
        "item_id": line.item_id,
        "price": price_as_vk(line.price, None),
        "quantity": line.quantity,
        "title": line.title,
    }
    if item is not None:
        data["item"] = item_as_vk(item, emu.photos, emu.public_url, extended=False)
    else:  # deleted by hand since: VK still shows what was ordered
        data["item"] = {"id": line.item_id, "owner_id": -order.group_id, "title": line.title}
    return data


def order_as_vk(emu, order: Order) -> dict:
    data = {
        "id": order.id,
        "group_id": order.group_id,
        "user_id": order.user_id,
        "display_order_id": f"{order.user_id}-{order.id}",
        "date": order.date,
        "status": order.status,
        "items_count": sum(line.quantity for line in order.lines),
        "total_price": price_as_vk(order.total, None),
        "preview_order_items": [line_as_vk(emu, order, line) for line in order.lines[:PREVIEW_ITEMS]],
        "is_viewed_by_admin": False,
    }
    for name in ("comment", "address", "merchant_comment", "track_number", "comment_for_user"):
        if getattr(order, name):
            data[name] = getattr(order, name)
    return data


def place_order(emu, group_id: int, user_id: int, items, *, comment: str = "", address: str = "") -> int:
    """A buyer orders `items` ([(item_id, quantity)…]) from the community's shop; the order's id.

    The community's Callback API servers hear `market_order_new`."""
    with emu._lock:
        community = emu.communities[group_id]
        lines = []
        for item_id, quantity in items:
            item = community.shop.items.get(item_id)
            if item is None or item.availability != 0:
                raise ValueError(f"item {item_id} cannot be ordered")
            if item.stock_amount is not None and item.stock_amount >= 0 and quantity > item.stock_amount:
                raise ValueError(f"item {item_id}: only {item.stock_amount} left")
            lines.append(OrderLine(item_id=item_id, quantity=int(quantity), price=item.price, title=item.title))
        order = Order(id=next(_order_ids), group_id=group_id, user_id=user_id, lines=lines, comment=comment)
        order.address = address
        community.orders[order.id] = order
        callbacks.emit(emu, community, "market_order_new", order_as_vk(emu, order))
        return order.id


PAGE_BUYER_ID = 2  # who orders from the shop page's «Заказать» button
PAGE_BUYER_NAME = "Покупатель Из-VK"


def order_from_page(emu, group_id: int, form: dict) -> str:
    """The shop page's «Заказать» button: a buyer orders `quantity` of `item_id`; what the page then says."""
    with emu._lock:
        emu.users_by_id.setdefault(PAGE_BUYER_ID, {"id": PAGE_BUYER_ID, "name": PAGE_BUYER_NAME})
    try:
        item_id, quantity = int(form.get("item_id", "")), max(1, int(form.get("quantity") or 1))
        order_id = place_order(emu, group_id, PAGE_BUYER_ID, [(item_id, quantity)], comment="Заказ со страницы")
    except (ValueError, KeyError) as refused:
        return f"Заказ не оформлен: {refused}"
    return f"Заказ №{order_id} оформлен"


def edit_order_by_hand(emu, group_id: int, order_id: int, *, status: int) -> None:
    """The merchant (or the buyer, cancelling) changed the order in VK's interface."""
    with emu._lock:
        community = emu.communities[group_id]
        order = community.orders[order_id]
        order.status = status
        callbacks.emit(emu, community, "market_order_edit", order_as_vk(emu, order))


def _community(emu, caller, group_ref) -> object:
    community = emu.find_community(group_ref if group_ref is not None else caller.group_id or "")
    if community is None:
        raise VkFault(100, "group_id is invalid")
    if not is_admin(caller, community):
        raise VkFault(15, "no access to this community's orders")
    if not community.extended_market:
        raise VkFault(1409)
    return community


def _order(emu, caller, v) -> Order:
    """The order `order_id` in a community the caller manages (and of `user_id` when given)."""
    for community in emu.communities.values():
        order = community.orders.get(v["order_id"])
        if order is None or not is_admin(caller, community):
            continue
        if v.get("user_id") and v["user_id"] != order.user_id:
            break
        if not community.extended_market:
            raise VkFault(1409)
        return order
    raise VkFault(1436)


@handler("market.getGroupOrders")
def market_get_group_orders(emu, caller, v):
    community = _community(emu, caller, v.get("group_id"))
    orders = sorted(community.orders.values(), key=lambda order: order.id, reverse=True)
    page = orders[v["offset"] : v["offset"] + v["count"]]
    return {"count": len(orders), "items": [order_as_vk(emu, order) for order in page]}


@handler("market.getOrderById")
def market_get_order_by_id(emu, caller, v):
    return {"order": order_as_vk(emu, _order(emu, caller, v))}


@handler("market.getOrderItems")
def market_get_order_items(emu, caller, v):
    order = _order(emu, caller, v)
    offset, count = v.get("offset", 0), v["count"] or len(order.lines)
    lines = order.lines[offset : offset + count]
    return {"count": len(order.lines), "items": [line_as_vk(emu, order, line) for line in lines]}


@handler("market.editOrder")
def market_edit_order(emu, caller, v):
    order = _order(emu, caller, v)
    if "status" in v and v["status"] not in STATUSES:
        raise VkFault(1456)
    if "status" in v:
        order.status = v["status"]
    for name in ("merchant_comment", "track_number", "comment_for_user", "payment_status"):
        if name in v:
            setattr(order, name, v[name])
    callbacks.emit(emu, emu.communities[order.group_id], "market_order_edit", order_as_vk(emu, order))
    return 1
