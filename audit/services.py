"""Writes to the audit trail: `record` an action, `prune` what is older than the retention.

Every app that changes access or what reaches a shop calls `record(event=..., merchant=..., ...)`; who acted and
from where come from `audit.context` (bound per request), not from the caller.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from audit.masking import scrub
from audit.models import AuditEvent, Event
from audit.tracking import who

UNSET = object()


def record(
    *,
    event: Event | str,
    merchant=None,
    target=None,
    changes: dict | None = None,
    summary: str = "",
    actor=UNSET,
) -> AuditEvent:
    """Write one event: `merchant` is whose account it concerns, `target` the row it is about (optional),
    `changes` {what: [before, after]} in words (secrets hidden here), `summary` one line in Russian.
    `actor` overrides the request's user (a login: the user who just signed in)."""
    fields = who(merchant)
    if actor is not UNSET:
        fields.update(actor_id=getattr(actor, "pk", None), actor_email=getattr(actor, "email", None))
    if target is not None:
        fields.update(
            content_type=ContentType.objects.get_for_model(target),
            object_pk=str(target.pk),
            object_id=target.pk if isinstance(target.pk, int) else None,
            object_repr=str(target)[:1000],
        )
    return AuditEvent.objects.create(event=event, changes=scrub(changes), summary=summary, **fields)


def prune(*, now=None) -> int:
    """Delete events older than AUDIT_RETENTION_DAYS; how many went."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted, _ = AuditEvent.objects.filter(timestamp__lt=cutoff).delete()
    return deleted
