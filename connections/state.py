"""The one writer of a connection's state: working, or broken with the reason in the merchant's words.

Every client error carries a typed `permanent` flag (EvotorError, VkError): `record_error` turns a permanent
one into "broken" and leaves the state alone on a transient one, so no caller decides on an error's text.
A connection that becomes broken is announced (`connection_broken`), once, not on every failed attempt.
"""

import logging

from django.utils import timezone

from connections.audit_trail import record_broken
from connections.models import Connection, EvotorConnection
from connections.signals import connection_broken

logger = logging.getLogger(__name__)


def kind_of(connection: Connection) -> str:
    return "evotor" if isinstance(connection, EvotorConnection) else "vk"


def mark_ok(*, connection: Connection) -> None:
    connection.status = Connection.Status.OK
    connection.last_checked_at = timezone.now()
    connection.last_error = ""
    type(connection).objects.filter(pk=connection.pk).update(
        status=connection.status, last_checked_at=connection.last_checked_at, last_error=""
    )


def mark_broken(*, connection: Connection, reason: str) -> None:
    """The connection cannot be used until the merchant fixes it: say why; announce it when it just broke."""
    now = timezone.now()
    before = connection.status
    rows = type(connection).objects.filter(pk=connection.pk)
    newly = rows.exclude(status=Connection.Status.BROKEN).update(
        status=Connection.Status.BROKEN, last_error=reason, last_checked_at=now
    )
    if not newly:
        rows.update(last_error=reason, last_checked_at=now)
    connection.status, connection.last_error, connection.last_checked_at = Connection.Status.BROKEN, reason, now
    kind = kind_of(connection)
    logger.warning("connection broken", extra={"merchant_id": connection.merchant_id, "connection": kind})
    if newly:
        record_broken(connection=connection, before=before, reason=reason)
        connection_broken.send(sender=type(connection), merchant_id=connection.merchant_id, kind=kind, reason=reason)


def note_failed_attempt(*, connection: Connection, reason: str) -> None:
    """A use of the connection failed for a reason that passes (Evotor busy, network): the state stays as it
    is, but the pages can say that the last attempt failed, when and why (`mark_ok` clears it)."""
    now = timezone.now()
    type(connection).objects.filter(pk=connection.pk).update(last_error=reason, last_checked_at=now)
    connection.last_error, connection.last_checked_at = reason, now


def record_error(*, connection: Connection, error: Exception) -> bool:
    """A client error seen while using the connection: True (and marked broken) when it is permanent."""
    if not getattr(error, "permanent", False):
        return False
    mark_broken(connection=connection, reason=getattr(error, "reason", "") or str(error))
    return True
