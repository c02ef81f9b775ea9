"""What vksync writes to the audit trail: the sync settings' changes (django-auditlog, every field the merchant
edits), the confirmations (the first plan, a brake stop) and the runs started by hand."""

from auditlog.models import LogEntry

from audit.models import Event
from audit.services import record
from audit.tracking import track
from vksync.models import SyncRun, SyncSettings

# Kept by the engine, not chosen by the merchant.
ENGINE_FIELDS = {"id", "merchant", "dirty", "pending_trigger", "updated_at"}
BY_HAND = {SyncRun.Trigger.MANUAL: "кнопкой «Синхронизировать сейчас»", SyncRun.Trigger.ADMIN: "из админки"}


def settings_event(row, action, changes) -> str | None:
    return Event.SYNC_SETTINGS_CHANGED if action == LogEntry.Action.UPDATE else None


def track_settings() -> None:
    fields = [field.name for field in SyncSettings._meta.concrete_fields if field.name not in ENGINE_FIELDS]
    track(SyncSettings, fields=fields, event=settings_event, merchant=lambda row: row.merchant)


def record_confirmation(*, merchant, first: bool) -> None:
    if first:
        record(
            event=Event.FIRST_PLAN_CONFIRMED,
            merchant=merchant,
            changes={"синхронизация включена": ["нет", "да"]},
            summary="План первой синхронизации подтверждён: синхронизация включена.",
        )
    else:
        record(event=Event.BRAKE_CONFIRMED, merchant=merchant, summary="Изменения сверх тормоза подтверждены.")


def record_started(*, merchant, run: SyncRun | None, trigger: str) -> None:
    if trigger not in BY_HAND:
        return
    queued = f"запуск № {run.pk}" if run else "пройдёт сразу после текущей"
    record(event=Event.SYNC_STARTED, merchant=merchant, target=run, summary=f"Запущена {BY_HAND[trigger]}: {queued}.")
