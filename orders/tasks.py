"""Thin Celery entry points of the orders: load by id, call the service; transient VK trouble is retried."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from connections.models import VkConnection
from connections.vk.community import CommunityTokenMissing
from connections.vk.errors import VkApiError, VkConnectionBroken, VkRateLimitReached, VkTransientError
from core import spread
from orders import access, polling, reservations
from orders.models import CallbackEvent, Order
from orders.reading import read_order
from orders.services import record_order

log = logging.getLogger(__name__)
TRANSIENT = (VkTransientError, VkRateLimitReached)


@shared_task(name="orders.handle_callback_event", autoretry_for=TRANSIENT, retry_backoff=5, max_retries=6)
def handle_callback_event(event_id: int) -> None:
    """An order VK posted to the Callback API becomes an Order (once, however often this runs)."""
    event = CallbackEvent.objects.filter(pk=event_id, handled_at=None).first()
    connection = VkConnection.objects.filter(merchant_id=event.merchant_id).first() if event else None
    if event is None or connection is None:
        return
    order = read_order(event.payload)
    if order is not None and order.group_id == connection.group_id:
        record_order(connection=connection, order=order, arrived_by=Order.ArrivedBy.CALLBACK)
    CallbackEvent.objects.filter(pk=event.pk).update(handled_at=timezone.now())


@shared_task(name="orders.poll_orders", autoretry_for=TRANSIENT, retry_backoff=30, max_retries=3, ignore_result=True)
def poll_orders(merchant_id: int) -> int:
    connection = VkConnection.objects.filter(merchant_id=merchant_id).first()
    try:
        return polling.poll_orders(connection=connection)
    except (CommunityTokenMissing, VkConnectionBroken) as exc:
        log.info("orders not polled: %s", type(exc).__name__, extra={"merchant_id": merchant_id})
        return 0
    except VkApiError as exc:
        if exc.code not in access.UNAVAILABLE:
            raise
        log.info(
            "orders not polled: VK error %s (shown on the orders page)", exc.code, extra={"merchant_id": merchant_id}
        )
        return 0


@shared_task(name="orders.poll_due_orders", ignore_result=True)
def poll_due_orders() -> int:
    """The beat's tick (every minute): each merchant whose place in the poll interval came gets a poll of their
    own, so the polls are spread over ORDERS_POLL_INTERVAL_SECONDS (`core.spread`)."""
    return spread.hand_out(
        "orders-poll",
        polling.pollable_connections(),
        every=settings.ORDERS_POLL_INTERVAL_SECONDS,
        send=lambda merchant_id, seconds: poll_orders.apply_async((merchant_id,), countdown=seconds),
    )


@shared_task(name="orders.poll_all_orders", ignore_result=True)
def poll_all_orders() -> int:
    """Every merchant with a working community token gets a poll of their own (one's trouble never stops another)."""
    merchant_ids = polling.pollable_merchant_ids()
    for merchant_id in merchant_ids:
        poll_orders.delay(merchant_id)
    return len(merchant_ids)


@shared_task(name="orders.reserve_stock", autoretry_for=TRANSIENT, retry_backoff=5, max_retries=5, ignore_result=True)
def reserve_stock(order_id: int) -> None:
    order = Order.objects.filter(pk=order_id).first()
    if order is not None and not order.is_closed:
        _quietly(reservations.reserve, order)


@shared_task(name="orders.release_stock", autoretry_for=TRANSIENT, retry_backoff=5, max_retries=5, ignore_result=True)
def release_stock(order_id: int) -> None:
    order = Order.objects.filter(pk=order_id).first()
    if order is not None:
        _quietly(reservations.release, order)


def _quietly(action, order: Order) -> None:
    """A broken VK connection is marked and told by `connections`; the order keeps its items' notes."""
    try:
        action(order=order)
    except (VkConnection.DoesNotExist, VkConnectionBroken) as exc:
        log.info("stock not moved: %s", type(exc).__name__, extra={"merchant_id": order.merchant_id})
