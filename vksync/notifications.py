"""What the merchant is told about the sync, and when. Each notice goes through `notifications` (a mail and/or
a message from the community in VK, as the merchant chose on the profile): queued once the transaction
commits, each send a task of its own with retries, so a run never waits on a mail server or on VK."""

import uuid

from django.conf import settings

from notifications.services import notify as notify_merchant

BROKEN_SUBJECTS = {"evotor": "Подключение Эвотора перестало работать", "vk": "Подключение VK перестало работать"}


def notify(*, merchant_id: int, subject: str, text: str, key: str = "") -> None:
    """`key` names the event: told once per key (a new one for each event when not given)."""
    notify_merchant(
        merchant_id=merchant_id, key=key or f"sync:{uuid.uuid4().hex}", subject=subject, text=with_links(text)
    )


def with_links(text: str) -> str:
    return f"{text}\n\nСостояние синхронизации: {settings.BASE_URL}/sync\nПодключения: {settings.BASE_URL}/connections"


def plan_waits_for_confirmation(*, merchant_id: int, reason: str) -> None:
    notify(merchant_id=merchant_id, subject="синхронизация ждёт вашего подтверждения", text=reason)


def sync_failed_twice(*, merchant_id: int, reason: str, run_id: int | None = None) -> None:
    key = f"sync-failed-twice:{run_id}" if run_id else ""
    subject = "Синхронизация с VK не удалась два раза подряд"
    notify(merchant_id=merchant_id, subject=subject, text=f"Причина: {reason}", key=key)


def on_connection_broken(sender, *, merchant_id: int, kind: str, reason: str, **kwargs) -> None:
    """connections.signals.connection_broken: the shop stops following the register until this is fixed."""
    subject = BROKEN_SUBJECTS.get(kind, "Подключение перестало работать")
    text = f"Причина: {reason}\n\nПока подключение не исправлено, магазин VK не следует за кассой."
    notify(merchant_id=merchant_id, subject=subject, text=text)
