"""Thin Celery tasks of the connections: call the service."""

from celery import shared_task

from connections.evotor.events import poll_events
from connections.vk.services import refresh_expiring_vk_tokens


@shared_task(name="connections.refresh_vk_tokens", ignore_result=True)
def refresh_vk_tokens() -> int:
    """Beat: renew VK ID access tokens before they expire."""
    return refresh_expiring_vk_tokens()


@shared_task(name="connections.poll_evotor_events", ignore_result=True)
def poll_evotor_events() -> int:
    """Beat (when EVOTOR_EVENTS_POLLING is on): Evotor's product events since the last poll, announced."""
    return poll_events()
