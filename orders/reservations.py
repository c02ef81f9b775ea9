"""The stock of an order's items held back in VK at once, so the last one is not sold twice.

On a new order (when `ORDERS_RESERVE_STOCK` is on) each item EvoSync made has its `stock_amount` in VK lowered
by the quantity ordered — one `market.getById` and one `execute` of `market.edit`s with the user token. Items
whose stock VK does not count (no `stock_amount`, or -1) and items EvoSync did not make are left alone.
While the order is open its reservation keeps being held back: every full sync and stock push sends the
register's stock less the open reservations (`reserved_units`, registered with `vksync.reserved`).
A cancelled or returned order gives the quantity back. The register settles a reservation: when its stock of
the product, read again (the fast path's recheck after a sale, or a catalog refresh), has fallen by the reserved
quantity since the reservation — the sale was rung up, the register counts it, and the reservation no longer
subtracts; a later cancel then leaves VK alone. A delivered order holds nothing back any more either.
"""

import logging

from django.db import transaction
from django.db.models import F, Q, Sum

from catalog.models import Product
from connections.models import VkConnection
from connections.vk.client import VkCall, VkClient
from connections.vk.services import run_with_vk
from orders.models import Order, OrderItem

log = logging.getLogger(__name__)
R = OrderItem.Reservation


def reserve(*, order: Order) -> int:
    """Lower the ordered items' stock in VK; how many items were reserved."""
    items = list(order.items.filter(reservation=R.NONE))
    mapped = [item for item in items if item.product_id]
    _note(
        [item for item in items if not item.product_id],
        R.NOT_TRACKED,
        "Товар сделан не EvoSync: остаток не резервировался.",
    )
    if not mapped:
        return 0
    connection = VkConnection.objects.get(merchant_id=order.merchant_id)
    return run_with_vk(connection=connection, action=lambda client: _shift(client, order, mapped, reserve=True))


def release(*, order: Order) -> int:
    """Give the reserved quantity back to VK (the order was cancelled or returned); how many items."""
    items = list(order.items.filter(reservation=R.RESERVED))
    if not items:
        return 0
    connection = VkConnection.objects.get(merchant_id=order.merchant_id)
    return run_with_vk(connection=connection, action=lambda client: _shift(client, order, items, reserve=False))


def _shift(client: VkClient, order: Order, items: list[OrderItem], *, reserve: bool) -> int:
    """Read the items' stock in VK and move it by their quantities (down to reserve, up to release)."""
    owner = -int(order.group_id)
    answer = client.call("market.getById", item_ids=[f"{owner}_{item.vk_item_id}" for item in items])
    stock = {int(found["id"]): found.get("stock_amount") for found in answer.get("items") or []}
    register = dict(Product.objects.filter(pk__in=[item.product_id for item in items]).values_list("pk", "quantity"))
    edits, moved = [], []
    for item in items:
        amount = stock.get(item.vk_item_id)
        if amount is None or amount < 0:
            _note([item], R.NOT_TRACKED if reserve else R.RELEASED, "Остаток этого товара в VK не ведётся.")
            continue
        quantity = min(item.quantity, amount) if reserve else item.reserved_quantity
        new_amount = amount - quantity if reserve else amount + quantity
        edits.append(VkCall("market.edit", {"owner_id": owner, "item_id": item.vk_item_id, "stock_amount": new_amount}))
        moved.append((item, quantity, amount))
    results = client.batch(edits) if edits else []
    done = 0
    for (item, quantity, amount), result in zip(moved, results, strict=True):
        if not result.ok:
            _note([item], R.FAILED if reserve else R.RESERVED, f"VK не изменил остаток: {result.error}")
            continue
        done += 1
        if reserve:
            item.reserved_quantity, item.register_stock = quantity, register.get(item.product_id)
            _note([item], R.RESERVED, f"В VK было {amount}, стало {amount - quantity}.")
        else:
            _note([item], R.RELEASED, f"В VK было {amount}, стало {amount + quantity}.")
    log.info("stock %s", "reserved" if reserve else "released", extra={"merchant_id": order.merchant_id, "items": done})
    return done


def _note(items: list[OrderItem], state: str, note: str) -> None:
    for item in items:
        item.reservation, item.reservation_note = state, note
        item.save(update_fields=["reservation", "reservation_note", "reserved_quantity", "register_stock"])


def reserved_units(*, merchant_id: int, product_ids=None) -> dict[int, int]:
    """Product id → units held back in VK by the merchant's open orders (of `product_ids` only, when given);
    one query, whatever the number of products. Registered with `vksync.reserved` in the app's ready()."""
    items = OrderItem.objects.filter(order__merchant_id=merchant_id, reservation=R.RESERVED, product__isnull=False)
    items = items.exclude(order__status__in=Order.CLOSED)
    if product_ids is not None:
        items = items.filter(product_id__in=list(product_ids))
    rows = items.order_by().values("product_id").annotate(units=Sum("reserved_quantity"))
    return {row["product_id"]: row["units"] for row in rows if row["units"]}


def settle(*, merchant_id: int, product_ids=None) -> int:
    """Reservations the register has counted (its stock of the product has fallen by the reserved quantity since
    the reservation) are settled — of the products `product_ids` only, when given; how many."""
    items = OrderItem.objects.filter(order__merchant_id=merchant_id, reservation=R.RESERVED)
    if product_ids is not None:
        items = items.filter(product_id__in=product_ids)
    counted = Q(register_stock=None) | Q(product__quantity__lte=F("register_stock") - F("reserved_quantity"))
    with transaction.atomic():
        return items.filter(counted).update(
            reservation=R.SETTLED, reservation_note="Касса учла продажу: остаток в VK снова ведёт касса."
        )


def settle_delivered(*, order: Order) -> int:
    """A delivered order holds nothing back any more: its reservations are settled (the register's stock governs;
    the merchant rings the sale up there); how many."""
    return order.items.filter(reservation=R.RESERVED).update(
        reservation=R.SETTLED, reservation_note="Заказ выполнен: остаток в VK снова ведёт касса."
    )


def on_stock_changed(sender, *, merchant, before: dict, **kwargs) -> None:
    """catalog.signals.stock_changed: the register's stock of these products was read again after a sale or a
    store document; the reservations it now counts are settled (the stock push sends the register's stock)."""
    settle(merchant_id=merchant.pk, product_ids=[int(pk) for pk in before])


def on_catalog_changed(sender, *, merchant, trigger: str = "", **kwargs) -> None:
    """catalog.signals.catalog_changed after a refresh: the register's stock was read; the reservations it counts
    are settled, the others still hold their stock back (see the module's note)."""
    if trigger == "refresh":
        settle(merchant_id=merchant.pk)
