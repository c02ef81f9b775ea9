"""Thin Celery tasks of the connections: call the service."""

from celery import shared_task

from connections.vk.services import refresh_expiring_vk_tokens


@shared_task(name="connections.refresh_vk_tokens", ignore_result=True)
def refresh_vk_tokens() -> int:
    """Beat: renew VK ID access tokens before they expire."""
    return refresh_expiring_vk_tokens()
