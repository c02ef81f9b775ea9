"""Housekeeping tasks of the project itself."""

from importlib import import_module

from celery import shared_task
from django.conf import settings


@shared_task(name="evosync.clear_expired_sessions")
def clear_expired_sessions():
    """Remove expired login sessions (what `manage.py clearsessions` does)."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
