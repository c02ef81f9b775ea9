"""Reads of the trail: a merchant's own events, newest first."""

from audit.models import AuditEvent


def events_of(merchant):
    """What happened to this merchant's account (their own actions, staff's, Evotor's, the system's)."""
    return AuditEvent.objects.filter(merchant=merchant).select_related("content_type").order_by("-timestamp", "-id")
