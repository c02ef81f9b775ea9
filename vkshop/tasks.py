"""Thin Celery tasks for the VK shop cache: load the merchant, call the service."""

from celery import shared_task
from django.contrib.auth import get_user_model

from connections.vk.errors import VkTransientError
from vkshop import services


@shared_task(
    name="vkshop.refresh_vk_shop",
    autoretry_for=(VkTransientError,),
    retry_backoff=60,
    max_retries=3,
    ignore_result=True,
)
def refresh_vk_shop(merchant_id: int) -> None:
    merchant = get_user_model().objects.filter(pk=merchant_id).first()
    if merchant is not None:
        services.refresh_vk_shop(merchant=merchant)


@shared_task(name="vkshop.refresh_all_vk_shops", ignore_result=True)
def refresh_all_vk_shops() -> dict:
    return services.refresh_all_vk_shops()


@shared_task(name="vkshop.reconcile_all_vk_shops", ignore_result=True)
def reconcile_all_vk_shops() -> dict:
    """The daily full read of every shop: what was changed by hand in VK reaches the cache and the next plan."""
    return services.refresh_all_vk_shops(everyone=True)
