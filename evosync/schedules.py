"""Periodic tasks, declared here and written to django-celery-beat's tables.

`install_periodic_tasks()` is idempotent: it creates what is missing and leaves alone
what exists, so an interval or an on/off switch edited in the admin survives every deploy.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from core import spread


@dataclass(frozen=True)
class PeriodicTaskSpec:
    name: str
    task: str
    every_seconds: int
    description: str = ""


def declared_tasks() -> list[PeriodicTaskSpec]:
    return [*_always(), *_when_polling_events()]


def _when_polling_events() -> list[PeriodicTaskSpec]:
    """Evotor's Events API, where its notifications are not configured (EVOTOR_EVENTS_POLLING)."""
    if not settings.EVOTOR_EVENTS_POLLING:
        return []
    return [
        PeriodicTaskSpec(
            name="Poll Evotor's events",
            task="connections.poll_evotor_events",
            every_seconds=settings.EVOTOR_EVENTS_POLL_SECONDS,
            description="Reads product events from Evotor's Events API; each names products whose stock is re-read.",
        )
    ]


def _always() -> list[PeriodicTaskSpec]:
    return [
        PeriodicTaskSpec(
            name="Clear expired sessions",
            task="evosync.clear_expired_sessions",
            every_seconds=24 * 3600,
            description="Removes expired login sessions from the database.",
        ),
        PeriodicTaskSpec(
            name="Prune the audit trail",
            task="audit.prune_audit_trail",
            every_seconds=24 * 3600,
            description="Deletes audit trail events older than AUDIT_RETENTION_DAYS.",
        ),
        # The per-merchant jobs below tick every minute and hand out only the merchants whose place in their
        # interval came (core.spread): an hour's refreshes spread over the hour, not fired in the same second.
        PeriodicTaskSpec(
            name="Refresh Evotor catalogs, spread over the hour",
            task="catalog.refresh_due_catalogs",
            every_seconds=spread.tick_seconds(),
            # Each merchant's sync follows their refresh (catalog_changed): one sync an hour, on fresh data.
            description="Each connected merchant's Evotor catalog is read once every CATALOG_REFRESH_INTERVAL_SECONDS, "
            "at the merchant's own moment; each refresh then syncs that VK shop.",
        ),
        PeriodicTaskSpec(
            name="Refresh VK shops, spread over the hour and the day",
            task="vkshop.refresh_due_vk_shops",
            every_seconds=spread.tick_seconds(),
            # A shop a sync keeps from its own writes waits for its daily full read.
            description="Hourly: re-reads the VK shop cache of communities no sync keeps up to date. Daily "
            "(VK_SHOP_FULL_READ_SECONDS): reads every shop whole, so changes made by hand in VK are seen.",
        ),
        PeriodicTaskSpec(
            name="Poll VK orders, spread over the interval",
            task="orders.poll_due_orders",
            every_seconds=spread.tick_seconds(),
            # The Callback API brings orders at once; this finds those it missed (EvoSync down, no callback set up).
            description="Reads each community's recent orders (market.getGroupOrders) where the community token works, "
            "once every ORDERS_POLL_INTERVAL_SECONDS per merchant.",
        ),
        PeriodicTaskSpec(
            name="Refresh expiring VK tokens",
            task="connections.refresh_vk_tokens",
            every_seconds=max(60, settings.VK_TOKEN_REFRESH_MARGIN_SECONDS // 2),
            description="Renews VK ID access tokens before they expire, with their refresh tokens.",
        ),
    ]


# Entries earlier versions installed and this one does not want (a second hourly sync: see README, "Schedules";
# the fan-outs that woke every merchant at once, replaced by the spread ones above).
RETIRED = [
    "Sync every VK shop",
    "Refresh every Evotor catalog",
    "Refresh every VK shop",
    "Reconcile every VK shop",
    "Poll VK orders",
]


@transaction.atomic
def install_periodic_tasks() -> list[str]:
    """Write the declared tasks to the beat tables; return the names of those created.

    An entry that exists keeps its interval and switch (admin edits survive); only the task it names follows
    the code, since a task that moved to another app has a new name. Retired entries are removed."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks

    changed = PeriodicTask.objects.filter(name__in=RETIRED).delete()[0]
    created = []
    for spec in declared_tasks():
        if PeriodicTask.objects.filter(name=spec.name).exists():
            changed += PeriodicTask.objects.filter(name=spec.name).exclude(task=spec.task).update(task=spec.task)
            continue
        interval, _ = IntervalSchedule.objects.get_or_create(every=spec.every_seconds, period=IntervalSchedule.SECONDS)
        PeriodicTask.objects.create(
            name=spec.name, task=spec.task, interval=interval, description=spec.description, enabled=True
        )
        created.append(spec.name)
    if changed:
        PeriodicTasks.update_changed()  # a running beat reads the schedule again
    return created
