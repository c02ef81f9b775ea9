from django.conf import settings
from django.db import models

from accounts.ownership import OwnedManager


class Order(models.Model):
    """One order a buyer placed in the merchant's VK community shop."""

    class Status(models.IntegerChoices):
        """VK's order statuses and their Russian labels, in one table (VK documents the numbers, not the words)."""

        NEW = 0, "Новый"
        APPROVING = 1, "Согласуется"
        ASSEMBLING = 2, "Собирается"
        DELIVERING = 3, "Доставляется"
        DELIVERED = 4, "Выполнен"
        CANCELLED = 5, "Отменён"
        RETURNED = 6, "Возвращён"

    class ArrivedBy(models.TextChoices):
        CALLBACK = "callback", "Callback API"
        POLLING = "polling", "Проверка заказов"

    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="продавец"
    )
    group_id = models.BigIntegerField("сообщество")
    vk_order_id = models.BigIntegerField("заказ VK")
    vk_user_id = models.BigIntegerField("покупатель VK")
    display_order_id = models.CharField("номер заказа", max_length=64, blank=True)
    status = models.PositiveSmallIntegerField("статус", choices=Status.choices, default=Status.NEW)
    ordered_at = models.DateTimeField("оформлен")
    total = models.DecimalField("сумма, ₽", max_digits=14, decimal_places=2, default=0)
    items_count = models.PositiveIntegerField("товаров, шт.", default=0)
    comment = models.TextField("комментарий покупателя", blank=True)
    address = models.TextField("адрес", blank=True)
    merchant_comment = models.TextField("комментарий продавца", blank=True)
    track_number = models.CharField("трек-номер", max_length=64, blank=True)
    arrived_by = models.CharField("как пришёл", max_length=16, choices=ArrivedBy.choices)
    received_at = models.DateTimeField("получен EvoSync", auto_now_add=True)
    updated_at = models.DateTimeField("изменён", auto_now=True)

    objects = OwnedManager()

    class Meta:
        verbose_name = "заказ VK"
        verbose_name_plural = "заказы VK"
        constraints = [
            models.UniqueConstraint(fields=["merchant", "group_id", "vk_order_id"], name="order_once_per_vk_order")
        ]
        indexes = [
            models.Index(fields=["merchant", "-ordered_at"]),
            models.Index(fields=["ordered_at"], name="order_ordered_at"),  # the staff dashboard's orders per day
        ]

    def __str__(self):
        return f"Заказ {self.display_order_id or self.vk_order_id}"

    CLOSED = (Status.CANCELLED, Status.RETURNED, Status.DELIVERED)

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED


class OrderItem(models.Model):
    """One line of an order: the VK item, and our product when the item is one EvoSync made (ProductLink)."""

    class Reservation(models.TextChoices):
        NONE = "none", "Не резервировался"
        NOT_TRACKED = "not_tracked", "Остаток в VK не ведётся"
        RESERVED = "reserved", "Зарезервирован в VK"
        RELEASED = "released", "Возвращён в VK (заказ отменён)"
        SETTLED = "settled", "Остаток снова ведёт касса"
        FAILED = "failed", "Не удалось зарезервировать"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items", verbose_name="заказ")
    vk_item_id = models.BigIntegerField("товар VK")
    title = models.CharField("название", max_length=255, blank=True)
    quantity = models.PositiveIntegerField("количество", default=1)
    price = models.DecimalField("цена, ₽", max_digits=14, decimal_places=2, default=0)
    # SET_NULL: an order stays as it was when the product leaves the catalog.
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="товар"
    )
    reservation = models.CharField("резерв в VK", max_length=16, choices=Reservation.choices, default=Reservation.NONE)
    reserved_quantity = models.PositiveIntegerField("зарезервировано, шт.", default=0)
    # The register's stock of the product when the reservation was made: once it has fallen by the reserved
    # quantity, the register has counted the sale and the reservation is settled.
    register_stock = models.DecimalField(
        "остаток кассы при резерве", max_digits=15, decimal_places=3, null=True, blank=True
    )
    reservation_note = models.TextField("о резерве", blank=True)

    class Meta:
        verbose_name = "товар заказа"
        verbose_name_plural = "товары заказа"
        constraints = [models.UniqueConstraint(fields=["order", "vk_item_id"], name="orderitem_once_per_item")]
        indexes = [models.Index(fields=["reservation", "product"], name="orderitem_reservation")]

    def __str__(self):
        return f"{self.title} × {self.quantity}"


class CallbackEvent(models.Model):
    """An event VK posted to the community's Callback API, kept once per `event_id` (VK repeats them)."""

    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="продавец"
    )
    group_id = models.BigIntegerField("сообщество")
    event_id = models.CharField("событие VK (event_id)", max_length=64)
    type = models.CharField("тип", max_length=64)
    payload = models.JSONField("объект события", default=dict, blank=True)
    received_at = models.DateTimeField("получено", auto_now_add=True)
    handled_at = models.DateTimeField("обработано", null=True, blank=True)

    objects = OwnedManager()

    class Meta:
        verbose_name = "событие Callback API"
        verbose_name_plural = "события Callback API"
        constraints = [models.UniqueConstraint(fields=["group_id", "event_id"], name="callbackevent_once")]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class OrdersAccess(models.Model):
    """Whether VK gives the merchant's community orders to EvoSync now: what the last poll met, in words, until a
    poll goes through again (shown on «Заказы VK»)."""

    merchant = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="продавец"
    )
    problem = models.TextField("что мешает получать заказы", blank=True)
    problem_code = models.IntegerField("код ошибки VK", null=True, blank=True)
    problem_since = models.DateTimeField("с", null=True, blank=True)
    checked_at = models.DateTimeField("последняя удачная проверка", null=True, blank=True)

    objects = OwnedManager()

    class Meta:
        verbose_name = "доступ к заказам VK"
        verbose_name_plural = "доступ к заказам VK"

    def __str__(self):
        return self.problem or "заказы приходят"
