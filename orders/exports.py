"""The merchant's VK orders as a download (CSV with a BOM, or XLSX, through `core.exports`): the orders, then their
items, each read from the database in chunks; for the merchant on «Заказы VK» and for staff as an admin action."""

from django.conf import settings

from core.exports import Sheet, keyset_chunks
from orders.models import Order, OrderItem

ORDERS_HEADER = [
    "Номер заказа",
    "Заказ VK",
    "Оформлен",
    "Статус",
    "Товаров, шт.",
    "Сумма, ₽",
    "Покупатель VK",
    "Адрес",
    "Комментарий покупателя",
    "Комментарий продавца",
    "Трек-номер",
    "Как пришёл",
    "Получен EvoSync",
]
ORDER_FIELDS = ["pk", "display_order_id", "vk_order_id", "ordered_at", "status", "items_count", "total", "vk_user_id",
                "address", "comment", "merchant_comment", "track_number", "arrived_by", "received_at"]  # fmt: skip
ITEMS_HEADER = ["Номер заказа", "Товар VK", "Товар в каталоге Эвотор", "Код", "Кол-во", "Цена, ₽", "Резерв в VK"]
ITEM_FIELDS = ["pk", "order__display_order_id", "order__vk_order_id", "title", "product__name", "product__code",
               "quantity", "price", "reservation"]  # fmt: skip
STATUSES = dict(Order.Status.choices)
ARRIVED_BY = dict(Order.ArrivedBy.choices)
RESERVATIONS = dict(OrderItem.Reservation.choices)
NOT_FROM_EVOTOR = "не из каталога Эвотор"


def buyer_url(vk_user_id: int) -> str:
    return f"{settings.VK_WEB_URL.rstrip('/')}/id{vk_user_id}"


def orders_sheets(merchant) -> list[Sheet]:
    """The merchant's orders (oldest first, as they came), then every line of them."""
    orders = Order.objects.filter(merchant=merchant).values(*ORDER_FIELDS)
    items = OrderItem.objects.filter(order__merchant=merchant).values(*ITEM_FIELDS)
    return [
        Sheet("Заказы VK", ORDERS_HEADER, (_order_row(row) for row in keyset_chunks(orders))),
        Sheet("Товары заказов", ITEMS_HEADER, (_item_row(row) for row in keyset_chunks(items))),
    ]


def _order_row(row: dict) -> list:
    return [
        row["display_order_id"] or str(row["vk_order_id"]),
        row["vk_order_id"],
        row["ordered_at"],
        STATUSES.get(row["status"], row["status"]),
        row["items_count"],
        row["total"],
        buyer_url(row["vk_user_id"]),
        row["address"],
        row["comment"],
        row["merchant_comment"],
        row["track_number"],
        ARRIVED_BY.get(row["arrived_by"], row["arrived_by"]),
        row["received_at"],
    ]


def _item_row(row: dict) -> list:
    return [
        row["order__display_order_id"] or str(row["order__vk_order_id"]),
        row["title"],
        row["product__name"] or NOT_FROM_EVOTOR,
        row["product__code"],
        row["quantity"],
        row["price"],
        RESERVATIONS.get(row["reservation"], row["reservation"]),
    ]
