"""Writes to the merchant's Evotor connection. (VK's live in services_vk.py.)"""

import logging

from django.db import transaction
from django.utils import timezone

from connections.models import EvotorConnection

logger = logging.getLogger(__name__)


def evotor_save_token(*, merchant, token: str, source: str = EvotorConnection.Source.MANUAL) -> EvotorConnection:
    """Store (or replace) the merchant's Evotor cloud token; the connection waits for its first check."""
    token = token.strip()
    connection, _created = EvotorConnection.objects.get_or_create(merchant=merchant)
    if connection.token != token:
        connection.connected_at = timezone.now()
    connection.token = token
    connection.source = source
    connection.installed = True
    connection.status = EvotorConnection.Status.UNCHECKED
    connection.last_error = ""
    connection.save()
    logger.info("evotor token saved", extra={"merchant_id": merchant.pk, "source": source})
    return connection


def evotor_disconnect(*, merchant) -> bool:
    """Forget the merchant's Evotor connection (the token with it); syncing stops. True if there was one."""
    deleted, _ = EvotorConnection.objects.filter(merchant=merchant).delete()
    logger.info("evotor disconnected", extra={"merchant_id": merchant.pk})
    return bool(deleted)


def evotor_mark_ok(*, connection: EvotorConnection) -> None:
    connection.status = EvotorConnection.Status.OK
    connection.last_checked_at = timezone.now()
    connection.last_error = ""
    connection.save(update_fields=["status", "last_checked_at", "last_error"])


def evotor_mark_broken(*, connection: EvotorConnection, reason: str) -> None:
    """The token no longer works: say why, in the merchant's words; refreshes skip it until replaced."""
    connection.status = EvotorConnection.Status.BROKEN
    connection.last_checked_at = timezone.now()
    connection.last_error = reason
    connection.save(update_fields=["status", "last_checked_at", "last_error"])
    logger.warning("evotor connection broken", extra={"merchant_id": connection.merchant_id})


def evotor_set_installed(*, evotor_user_id: str, installed: bool) -> EvotorConnection | None:
    """Evotor says our app was (un)installed for this Evotor user; uninstalled stops the merchant's sync."""
    with transaction.atomic():
        connection = EvotorConnection.objects.select_for_update().filter(evotor_user_id=evotor_user_id).first()
        if connection is None:
            return None
        connection.installed = installed
        if not installed:
            connection.last_error = "Приложение EvoSync удалено в Эвоторе: синхронизация остановлена."
        elif connection.last_error.startswith("Приложение EvoSync удалено"):
            connection.last_error = ""
        connection.save(update_fields=["installed", "last_error"])
    return connection
