"""Writes to the merchant's Evotor connection, and what it announces (token received, catalog pushed)."""

import logging

from django.db import transaction
from django.utils import timezone

from connections.evotor.client import EvotorClient, EvotorError
from connections.models import EvotorConnection
from connections.signals import evotor_catalog_pushed, evotor_stock_moved, evotor_token_received
from connections.state import mark_ok

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
    evotor_announce_token(merchant_id=merchant.pk)
    return connection


class EvotorTokenRefused(Exception):
    """A token pasted by hand that does not work (or could not be checked); `.reason` in Russian. Not saved."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def evotor_connect_by_hand(*, merchant, token: str) -> tuple[EvotorConnection, int]:
    """Check a pasted token with Evotor (its stores are read), then save it; returns it and how many stores it sees.

    A token Evotor refuses, or one that could not be checked, is not saved: EvotorTokenRefused says why."""
    token = token.strip()
    try:
        stores = EvotorClient(token).check()
    except EvotorError as error:
        if error.permanent:
            raise EvotorTokenRefused(f"{error.reason} Токен не сохранён.")
        raise EvotorTokenRefused(f"Эвотор сейчас не отвечает ({error.reason}). Токен не сохранён: попробуйте ещё раз.")
    connection = evotor_save_token(merchant=merchant, token=token, source=EvotorConnection.Source.MANUAL)
    mark_ok(connection=connection)
    return connection, stores


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
    """Tie an Evotor user to the merchant's account (idempotent); raises EvotorLinkConflict otherwise.

    Callers serialize the calls for one Evotor user (the webhooks hold its lock row). No locking read looks
    for a row that may be missing: on MariaDB that takes a gap lock, and two links at once deadlocked (1213).
    A connection made for the merchant meanwhile ends in IntegrityError (one per merchant) for the caller."""
    with transaction.atomic():
        owner = EvotorConnection.objects.filter(evotor_user_id=evotor_user_id).first()
        if owner is not None:
            if owner.merchant_id != merchant.pk:
                raise EvotorLinkConflict("evotor_user")
            return owner
        existing = EvotorConnection.objects.filter(merchant=merchant).values_list("pk", flat=True).first()
        if existing is None:
            connection = EvotorConnection.objects.create(
                merchant=merchant, evotor_user_id=evotor_user_id, source=EvotorConnection.Source.WEBHOOK
            )
        else:
            connection = EvotorConnection.objects.select_for_update().get(pk=existing)
            if connection.evotor_user_id and connection.evotor_user_id != evotor_user_id:
                raise EvotorLinkConflict("account")
            connection.evotor_user_id = evotor_user_id
            connection.save(update_fields=["evotor_user_id"])
    logger.info("evotor user linked", extra={"merchant_id": merchant.pk})
    return connection


def evotor_announce_token(*, merchant_id: int) -> None:
    """A working token may be there now: announce it (listeners queue their work on commit)."""
    evotor_token_received.send(sender=EvotorConnection, merchant_id=merchant_id)


def evotor_announce_push(*, connection: EvotorConnection) -> bool:
    """Evotor pushed a product: announce that its catalog changed; False when the connection cannot be read."""
    if not connection.token or not connection.installed:
        return False
    evotor_catalog_pushed.send(sender=EvotorConnection, merchant_id=connection.merchant_id)
    return True


def evotor_announce_stock(*, connection: EvotorConnection, products: list[tuple[str, str]]) -> bool:
    """Evotor says these products' stock or price moved (a sale, a return, a store document): announce it.

    False when the connection cannot be read (no token, app removed) or nothing is named."""
    if not connection.token or not connection.installed or not products:
        return False
    named = [[store_id, product_id] for store_id, product_id in dict.fromkeys(products)]
    evotor_stock_moved.send(sender=EvotorConnection, merchant_id=connection.merchant_id, products=named)
    return True
