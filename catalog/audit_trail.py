"""What catalog writes to the audit trail: a store or a group switched on or off for VK (django-auditlog sees
the `sync_enabled` change; the catalog's refresh writes in bulk and is not a merchant's action)."""

from auditlog.models import LogEntry

from audit.models import Event
from audit.tracking import track
from catalog.models import ProductGroup, Store


def switched(event: str):
    def name(row, action, changes) -> str | None:
        return event if action == LogEntry.Action.UPDATE and "sync_enabled" in changes else None

    return name


def track_selection() -> None:
    track(Store, fields=["sync_enabled"], event=switched(Event.STORE_SWITCHED), merchant=lambda row: row.merchant)
    track(
        ProductGroup, fields=["sync_enabled"], event=switched(Event.GROUP_SWITCHED), merchant=lambda row: row.merchant
    )
