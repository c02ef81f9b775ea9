"""Whether VK gives the community's orders to EvoSync: a poll VK refuses because the community's shop cannot take
orders (error 1409: the extended market is off; the shop switched off, …) is kept in words, with what the merchant
is to do, for «Заказы VK» to show — not only in the logs. The next poll that goes through clears it."""

from django.utils import timezone

from orders.models import OrdersAccess

# VK's codes (../shared/vk-api-schema/errors.json) that mean the community's shop gives no orders now.
UNAVAILABLE = {
    1409: (
        "VK не отдаёт заказы сообщества: в нём не включён расширенный режим товаров, а заказы бывают только в нём. "
        "Включите его в VK: «Управление» → «Разделы» → «Товары» → режим «Расширенный» (и приём заказов там же). "
        "EvoSync проверит заказы снова через несколько минут."
    ),
    1438: (
        "VK не отдаёт заказы: в сообществе выключены товары. Включите раздел «Товары» в настройках сообщества "
        "(«Управление» → «Разделы»), режим «Расширенный»."
    ),
    1525: "VK не отдаёт заказы: магазин сообщества отключён в VK. Включите его снова в настройках сообщества.",
    1526: "VK не отдаёт заказы: услуги магазина сообщества отключены в VK. Включите их в настройках сообщества.",
}


def refusal_in_words(code: int | None) -> str | None:
    """What the merchant reads for VK's refusal `code`, or None when it is not about the shop's orders (the
    community token's own failure is shown with the token, `connections.vk.community`)."""
    return UNAVAILABLE.get(code)


def note_refused(*, merchant_id: int, code: int | None, words: str) -> None:
    """Keep what stops the orders (the first moment it was seen stays)."""
    access, _ = OrdersAccess.objects.get_or_create(merchant_id=merchant_id)
    since = access.problem_since if access.problem_code == code and access.problem else timezone.now()
    OrdersAccess.objects.filter(pk=access.pk).update(problem=words, problem_code=code, problem_since=since)


def note_working(*, merchant_id: int) -> None:
    """A poll went through: nothing stops the orders (a problem kept before is cleared)."""
    now = timezone.now()
    updated = OrdersAccess.objects.filter(merchant_id=merchant_id).update(
        problem="", problem_code=None, problem_since=None, checked_at=now
    )
    if not updated:
        OrdersAccess.objects.get_or_create(merchant_id=merchant_id, defaults={"checked_at": now})


def problem_of(merchant) -> OrdersAccess | None:
    """The merchant's orders problem now, or None."""
    return OrdersAccess.objects.filter(merchant=merchant).exclude(problem="").first()
