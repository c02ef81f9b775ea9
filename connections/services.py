"""Writes to the merchant's Evotor connection. (VK's live in services_vk.py.)"""

import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from connections.models import EvotorConnection
from core.locks import merchant_key

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
    """Forget the merchant's Evotor token; syncing stops. True if there was a connection.

    The link to the Evotor user (set by Evotor's webhooks) is kept, so a reinstall or a new
    token from Evotor finds this account again instead of making a second one.
    """
    connection = EvotorConnection.objects.filter(merchant=merchant).first()
    if connection is None:
        return False
    if connection.evotor_user_id:
        connection.token = ""
        connection.status = EvotorConnection.Status.UNCHECKED
        connection.last_error = ""
        connection.save(update_fields=["token", "status", "last_error"])
    else:
        connection.delete()
    logger.info("evotor disconnected", extra={"merchant_id": merchant.pk})
    return True


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


class EvotorLinkConflict(Exception):
    """The Evotor user and the EvoSync account are each linked to someone else."""

    def __init__(self, which: str):
        super().__init__(which)
        self.which = which  # "evotor_user" (that Evotor user belongs to another account) or "account"


def evotor_link_user(*, merchant, evotor_user_id: str) -> EvotorConnection:
    """Tie an Evotor user to the merchant's account (idempotent); raises EvotorLinkConflict otherwise."""
    with transaction.atomic():
        owner = EvotorConnection.objects.select_for_update().filter(evotor_user_id=evotor_user_id).first()
        if owner is not None:
            if owner.merchant_id != merchant.pk:
                raise EvotorLinkConflict("evotor_user")
            return owner
        connection, _created = EvotorConnection.objects.select_for_update().get_or_create(
            merchant=merchant, defaults={"source": EvotorConnection.Source.WEBHOOK}
        )
        if connection.evotor_user_id and connection.evotor_user_id != evotor_user_id:
            raise EvotorLinkConflict("account")
        connection.evotor_user_id = evotor_user_id
        connection.save(update_fields=["evotor_user_id"])
    logger.info("evotor user linked", extra={"merchant_id": merchant.pk})
    return connection


def evotor_queue_refresh(*, merchant_id: int, countdown: float = 0) -> None:
    """Queue a catalog refresh once the current transaction commits (by task name: no import of catalog)."""
    transaction.on_commit(
        lambda: _task("catalog.refresh_catalog").apply_async(args=[merchant_id], countdown=countdown or None)
    )


def evotor_refresh_soon_key(merchant_id: int, reason: str) -> str:
    return merchant_key(f"evotor-refresh-soon:{reason}", merchant_id)


def evotor_queue_refresh_soon(*, merchant_id: int, delay: float, reason: str) -> bool:
    """Queue one catalog refresh `delay` seconds from now; what happens meanwhile rides along with it.

    Returns True when a refresh was queued, False when one is already on its way.
    """
    if not cache.add(evotor_refresh_soon_key(merchant_id, reason), 1, timeout=max(1, int(delay))):
        return False
    evotor_queue_refresh(merchant_id=merchant_id, countdown=delay)
    return True


def _task(name: str):
    from celery import current_app

    if name not in current_app.tasks:
        current_app.loader.import_default_modules()  # a web process has not imported the tasks modules yet
    return current_app.tasks[name]
