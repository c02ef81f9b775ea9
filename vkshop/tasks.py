"""Thin Celery tasks for the VK shop cache: load the merchant, call the service."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model

from connections.vk.errors import VkTransientError
from core import spread
from vkshop import services


@shared_task(
    name="vkshop.refresh_vk_shop",
    autoretry_for=(VkTransientError,),
    retry_backoff=60,
    max_retries=3,
    ignore_result=True,
)
def refresh_vk_shop(merchant_id: int, unless_kept: bool = False) -> None:
    """Read the merchant's VK shop into the cache (`unless_kept`: not when a sync keeps it from its own writes)."""
    merchant = get_user_model().objects.filter(pk=merchant_id).first()
    if merchant is not None and not (unless_kept and services.kept_by_writes(merchant=merchant)):
        services.refresh_vk_shop(merchant=merchant)


@shared_task(name="vkshop.refresh_due_vk_shops", ignore_result=True)
def refresh_due_vk_shops() -> dict:
    """The beat's tick (every minute): the shops whose place in the hour came are read unless a sync keeps them;
    those whose place in the day came are read whole (the daily reconcile), each a task of its own."""

    def hand_out(name: str, every: int, unless_kept: bool) -> int:
        return spread.hand_out(
            name,
            services.refreshable_connections(),
            every=every,
            send=lambda merchant_id, seconds: refresh_vk_shop.apply_async(
                (merchant_id,), {"unless_kept": unless_kept}, countdown=seconds
            ),
        )

    return {
        "hourly": hand_out("vk-shop-refresh", settings.CATALOG_REFRESH_INTERVAL_SECONDS, unless_kept=True),
        "daily": hand_out("vk-shop-reconcile", settings.VK_SHOP_FULL_READ_SECONDS, unless_kept=False),
    }


@shared_task(name="vkshop.refresh_all_vk_shops", ignore_result=True)
def refresh_all_vk_shops() -> dict:
    return services.refresh_all_vk_shops()


@shared_task(name="vkshop.reconcile_all_vk_shops", ignore_result=True)
def reconcile_all_vk_shops() -> dict:
    """The daily full read of every shop: what was changed by hand in VK reaches the cache and the next plan."""
    return services.refresh_all_vk_shops(everyone=True)
