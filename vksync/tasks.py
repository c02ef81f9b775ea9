"""Thin Celery tasks for the VK shop cache and VK tokens: load, call the service."""

from celery import shared_task
from django.contrib.auth import get_user_model

from connections.services_vk import refresh_expiring_vk_tokens
from connections.vk import VkTransientError
from vksync import services


@shared_task(
    name="vksync.refresh_vk_shop",
    autoretry_for=(VkTransientError,),
    retry_backoff=60,
    max_retries=3,
    ignore_result=True,
)
def refresh_vk_shop(merchant_id: int) -> None:
    merchant = get_user_model().objects.filter(pk=merchant_id).first()
    if merchant is not None:
        services.refresh_vk_shop(merchant=merchant)


@shared_task(name="vksync.refresh_all_vk_shops", ignore_result=True)
def refresh_all_vk_shops() -> dict:
    return services.refresh_all_vk_shops()


@shared_task(name="vksync.refresh_vk_tokens", ignore_result=True)
def refresh_vk_tokens() -> int:
    return refresh_expiring_vk_tokens()


from vksync.sync_tasks import *  # noqa: E402,F403
