"""Writes on orders: an order VK told us about (by callback or by polling) becomes an `Order` with its items,
once; the one place an order's status changes (`set_status`), by the merchant through `market.editOrder` or
by VK's news; and what follows a new order: the stock reserved in VK and the merchant told."""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction

from audit import services as audit
from audit.models import Event
from audit.services import UNSET
from connections.models import VkConnection
from connections.vk.client import VkClient
from connections.vk.community import CommunityTokenMissing, community_client, note_community_error
from connections.vk.errors import VkConnectionBroken, VkError
from core.formats import money
from notifications.services import notify
from orders import reservations
from orders.models import Order, OrderItem
from orders.reading import VkOrder, VkOrderLine, read_line
from vksync.models import ProductLink

log = logging.getLogger(__name__)
ITEMS_PAGE = 200


class OrderChangeRefused(Exception):
    """VK did not take the merchant's change; `.reason` in words."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def record_order(*, connection: VkConnection, order: VkOrder, arrived_by: str, client: VkClient | None = None) -> Order:
    """The `Order` for VK's order, made once (its items read from VK); an order known before takes VK's status."""
    known = Order.objects.filter(
        merchant_id=connection.merchant_id, group_id=order.group_id, vk_order_id=order.vk_order_id
    )
    existing = known.first()
    if existing is not None:
        if existing.status != order.status:
            set_status(order=existing, status=order.status, by_merchant=False)
        return existing
    lines = order_lines(connection=connection, order=order, client=client)
    try:
        with transaction.atomic():
            created = _create(connection, order, lines, arrived_by)
    except IntegrityError:  # the callback and the poll brought it at the same moment
        return known.get()
    transaction.on_commit(lambda: _after_new_order(created.pk))
    tell_merchant_of_new_order(order=created)
    log.info("VK order recorded", extra={"merchant_id": connection.merchant_id, "vk_order_id": order.vk_order_id})
    return created


def order_lines(*, connection: VkConnection, order: VkOrder, client: VkClient | None = None) -> list[VkOrderLine]:
    """Every line of the order (market.getOrderItems); the callback's preview when VK cannot be asked now."""
    try:
        client = client or community_client(connection=connection)
        answer = client.call(
            "market.getOrderItems", user_id=order.vk_user_id, order_id=order.vk_order_id, count=ITEMS_PAGE
        )
    except VkConnectionBroken as exc:
        note_community_error(connection=connection, error=exc)
        return list(order.preview)
    except (VkError, CommunityTokenMissing) as exc:  # the order is kept with what VK sent; never lost
        log.warning("order items not read: %s", type(exc).__name__, extra={"merchant_id": connection.merchant_id})
        return list(order.preview)
    lines = [line for line in map(read_line, answer.get("items") or []) if line is not None]
    return lines or list(order.preview)


def _create(connection: VkConnection, order: VkOrder, lines: list[VkOrderLine], arrived_by: str) -> Order:
    created = Order.objects.create(
        merchant_id=connection.merchant_id,
        group_id=order.group_id,
        vk_order_id=order.vk_order_id,
        vk_user_id=order.vk_user_id,
        display_order_id=order.display_order_id,
        status=order.status,
        ordered_at=order.ordered_at,
        total=order.total,
        items_count=order.items_count or sum(line.quantity for line in lines),
        comment=order.comment,
        address=order.address,
        merchant_comment=order.merchant_comment,
        track_number=order.track_number,
        arrived_by=arrived_by,
    )
    products = products_of_items(merchant_id=connection.merchant_id, group_id=order.group_id, lines=lines)
    merged: dict[int, OrderItem] = {}
    for line in lines:
        if line.vk_item_id in merged:  # VK lists an item once; a repeated line adds up
            merged[line.vk_item_id].quantity += line.quantity
            continue
        merged[line.vk_item_id] = OrderItem(
            order=created, vk_item_id=line.vk_item_id, title=line.title, quantity=line.quantity, price=line.price,
            product_id=products.get(line.vk_item_id),
        )  # fmt: skip
    OrderItem.objects.bulk_create(merged.values())
    return created


def products_of_items(*, merchant_id: int, group_id: int, lines: list[VkOrderLine]) -> dict[int, int]:
    """VK item id → our product id, through the sync's mapping (items EvoSync did not make are not there)."""
    links = ProductLink.objects.filter(
        merchant_id=merchant_id, group_id=group_id, vk_item_id__in=[line.vk_item_id for line in lines]
    ).exclude(product=None)
    return dict(links.values_list("vk_item_id", "product_id"))


def _after_new_order(order_id: int) -> None:
    from orders.tasks import reserve_stock

    if settings.ORDERS_RESERVE_STOCK:
        reserve_stock.delay(order_id)


def tell_merchant_of_new_order(*, order: Order) -> None:
    lines = "\n".join(f"• {item.title or item.vk_item_id} × {item.quantity}" for item in order.items.all())
    text = (
        f"В сообществе VK новый заказ {order.display_order_id or order.vk_order_id} на {money(order.total)}.\n"
        f"{lines}\n\nЗаказы: {settings.BASE_URL}/orders/{order.pk}"
    )
    notify(
        merchant_id=order.merchant_id,
        key=f"order-new:{order.group_id}:{order.vk_order_id}",
        subject=f"Новый заказ VK {order.display_order_id or order.vk_order_id}",
        text=text,
    )


def set_status(*, order: Order, status: int, by_merchant: bool) -> Order:
    """The one place an order's status changes. The merchant's change goes to VK first (market.editOrder);
    VK's news is only recorded. A cancelled or returned order gives its reserved stock back to VK; a delivered
    one holds nothing back any more (its reservations are settled)."""
    if status not in Order.Status.values:
        raise OrderChangeRefused("У VK нет такого статуса заказа.")
    if by_merchant:
        _edit_in_vk(order, status)
    before = order.status
    with transaction.atomic():
        changed = Order.objects.filter(pk=order.pk).exclude(status=status).update(status=status)
        if changed:
            _record_status_change(order, before, status, by_merchant=by_merchant)
    order.status = status
    if changed and status in (Order.Status.CANCELLED, Order.Status.RETURNED):
        transaction.on_commit(lambda: _release(order.pk))
    elif changed and status == Order.Status.DELIVERED:
        reservations.settle_delivered(order=order)
    log.info("order status", extra={"merchant_id": order.merchant_id, "status": status, "by_merchant": by_merchant})
    return order


def _record_status_change(order: Order, before: int, after: int, *, by_merchant: bool) -> None:
    labels = dict(Order.Status.choices)
    audit.record(
        event=Event.ORDER_STATUS_CHANGED,
        merchant=order.merchant,
        target=order,
        changes={"статус": [labels.get(before, str(before)), labels.get(after, str(after))]},
        summary=f"Заказ VK №{order.vk_order_id}: {labels.get(after, after)}{'' if by_merchant else ' (по данным VK)'}",
        actor=UNSET if by_merchant else None,
    )


def _edit_in_vk(order: Order, status: int) -> None:
    connection = VkConnection.objects.filter(merchant_id=order.merchant_id).first()
    try:
        client = community_client(connection=connection)
        client.call("market.editOrder", user_id=order.vk_user_id, order_id=order.vk_order_id, status=status)
    except CommunityTokenMissing as exc:
        raise OrderChangeRefused(exc.reason)
    except VkConnectionBroken as exc:
        note_community_error(connection=connection, error=exc)
        raise OrderChangeRefused(f"VK не принял изменение: {exc.reason}")
    except VkError as exc:
        words = getattr(exc, "message", "") or "VK сейчас недоступен, попробуйте ещё раз"
        raise OrderChangeRefused(f"VK не принял изменение ({words}).")


def _release(order_id: int) -> None:
    from orders.tasks import release_stock

    release_stock.delay(order_id)
