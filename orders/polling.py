"""Orders read with `market.getGroupOrders`: the fallback where the Callback API is not set up, and the
catch-up for orders placed while EvoSync was down. The newest first, 50 a page, until a page brings nothing new
(or `ORDERS_POLL_PAGES` pages)."""

import logging

from django.conf import settings
from django.utils import timezone

from accounts.selectors import merchants_in_service
from connections.models import VkConnection
from connections.vk.community import community_client, note_community_error
from connections.vk.errors import VkApiError, VkConnectionBroken
from orders import access
from orders.models import Order
from orders.reading import read_order
from orders.services import record_order

log = logging.getLogger(__name__)
PAGE = 50


def poll_orders(*, connection: VkConnection) -> int:
    """Read the community's recent orders into EvoSync; how many were new. VK's refusal because the community's
    shop gives no orders (`orders.access`) is kept for the merchant's page, and raised; a poll that goes
    through clears it."""
    client = community_client(connection=connection)
    new = 0
    for page in range(settings.ORDERS_POLL_PAGES):
        try:
            answer = client.call("market.getGroupOrders", group_id=connection.group_id, offset=page * PAGE, count=PAGE)
        except (VkConnectionBroken, VkApiError) as exc:
            if isinstance(exc, VkConnectionBroken):
                note_community_error(connection=connection, error=exc)
            words = access.refusal_in_words(exc.code)
            if words:
                access.note_refused(merchant_id=connection.merchant_id, code=exc.code, words=words)
            raise
        orders = [order for order in map(read_order, answer.get("items") or []) if order is not None]
        known = _known(connection, [order.vk_order_id for order in orders])
        fresh = 0
        for order in orders:
            if known.get(order.vk_order_id) == order.status:
                continue
            fresh += order.vk_order_id not in known
            record_order(connection=connection, order=order, arrived_by=Order.ArrivedBy.POLLING, client=client)
        new += fresh
        if not fresh or len(orders) < PAGE:
            break
    access.note_working(merchant_id=connection.merchant_id)
    log.info("orders polled", extra={"merchant_id": connection.merchant_id, "new": new, "at": timezone.now()})
    return new


def _known(connection: VkConnection, ids: list[int]) -> dict[int, int]:
    rows = Order.objects.filter(merchant_id=connection.merchant_id, group_id=connection.group_id, vk_order_id__in=ids)
    return dict(rows.values_list("vk_order_id", "status"))


def pollable_connections():
    """The VK connections of merchants in service whose community token is saved and working."""
    rows = VkConnection.objects.exclude(community_token="").filter(community_token_error="").exclude(group_id=None)
    return rows.filter(merchant__in=merchants_in_service())


def pollable_merchant_ids() -> list[int]:
    """Merchants whose community token is saved and working."""
    return list(pollable_connections().values_list("merchant_id", flat=True))
