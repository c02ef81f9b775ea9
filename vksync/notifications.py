"""What the merchant is told by mail, and when. Every mail is its own task, queued once the transaction
commits, with retries: a run never waits on a mail server, and a mail server's hiccup loses no mail."""

import logging

from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)

BROKEN_SUBJECTS = {"evotor": "Подключение Эвотора перестало работать", "vk": "Подключение VK перестало работать"}


def notify(*, merchant_id: int, subject: str, text: str) -> None:
    from vksync.tasks import mail_merchant

    transaction.on_commit(lambda: mail_merchant.delay(merchant_id, subject, text))


def mail_body(text: str) -> str:
    return (
        f"Здравствуйте!\n\n{text}\n\nСостояние синхронизации: {settings.BASE_URL}/sync\n"
        f"Подключения: {settings.BASE_URL}/connections\n\nEvoSync"
    )


def plan_waits_for_confirmation(*, merchant_id: int, reason: str) -> None:
    notify(merchant_id=merchant_id, subject="синхронизация ждёт вашего подтверждения", text=reason)


def sync_failed_twice(*, merchant_id: int, reason: str) -> None:
    notify(merchant_id=merchant_id, subject="Синхронизация с VK не удалась два раза подряд", text=f"Причина: {reason}")


def on_connection_broken(sender, *, merchant_id: int, kind: str, reason: str, **kwargs) -> None:
    """connections.signals.connection_broken: the shop stops following the register until this is fixed."""
    subject = BROKEN_SUBJECTS.get(kind, "Подключение перестало работать")
    text = f"Причина: {reason}\n\nПока подключение не исправлено, магазин VK не следует за кассой."
    notify(merchant_id=merchant_id, subject=subject, text=text)
