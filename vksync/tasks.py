"""Celery tasks of the vksync app (autodiscovered)."""

from vksync.sync_tasks import *  # noqa: F403
