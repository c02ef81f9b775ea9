"""What connections writes to the audit trail: the connections' own changes (through django-auditlog, tokens
masked), and the tests and breakages, which change the state with an UPDATE query auditlog does not see."""

from auditlog.models import LogEntry

from audit.context import current_actor
from audit.models import Event
from audit.services import record
from audit.tracking import track
from connections.models import Connection, EvotorConnection, VkConnection

KINDS = {EvotorConnection: "Эвотор", VkConnection: "VK"}


def evotor_event(connection, action, changes) -> str | None:
    if action == LogEntry.Action.DELETE:
        return Event.CONNECTION_DISCONNECTED
    if action == LogEntry.Action.CREATE and not (connection.token or connection.evotor_user_id):
        return None  # get_or_create's blank row: the save that fills it is the event
    if "installed" in changes and action == LogEntry.Action.UPDATE:
        return Event.EVOTOR_APP
    if "token" in changes and not connection.token:
        return Event.CONNECTION_DISCONNECTED  # the link to the Evotor user stays, the token goes
    if "token" in changes and connection.source == EvotorConnection.Source.WEBHOOK:
        return Event.EVOTOR_TOKEN
    return Event.CONNECTION_SAVED


TOKEN_FIELDS = {"access_token", "refresh_token"}


def vk_event(connection, action, changes) -> str | None:
    if action == LogEntry.Action.DELETE:
        return Event.CONNECTION_DISCONNECTED
    if action == LogEntry.Action.CREATE and not connection.access_token:
        return None  # get_or_create's blank row: the save that fills it is the event
    if set(changes) <= TOKEN_FIELDS and current_actor() is None:
        return None  # VK ID's tokens renewed by the beat: routine, every hour or so for every merchant
    return Event.CONNECTION_SAVED


def track_connections() -> None:
    track(
        EvotorConnection,
        fields=["evotor_user_id", "source", "installed"],
        secret=("token",),
        event=evotor_event,
        merchant=lambda connection: connection.merchant,
    )
    track(
        VkConnection,
        fields=["source", "vk_user_id", "vk_user_name", "group_id", "group_name"],
        secret=("access_token", "refresh_token"),
        event=vk_event,
        merchant=lambda connection: connection.merchant,
    )


def record_test(*, connection: Connection, ok: bool, message: str) -> None:
    """The merchant (or staff) pressed «Проверить»: what it showed."""
    outcome = "работает" if ok else "не работает"
    record(
        event=Event.CONNECTION_TESTED,
        merchant=connection.merchant,
        target=connection,
        changes={"результат": ["", outcome]},
        summary=f"{KINDS[type(connection)]}: проверка — {outcome}. {message}".strip(),
    )


def record_broken(*, connection: Connection, before: str, reason: str) -> None:
    record(
        event=Event.CONNECTION_BROKEN,
        merchant=connection.merchant,
        target=connection,
        changes={
            "состояние": [Connection.Status(before).label, Connection.Status.BROKEN.label],
            "причина": ["", reason],
        },
        summary=f"{KINDS[type(connection)]}: {reason}",
    )
