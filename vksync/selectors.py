"""Reads the sync engine shares: the merchant's sync settings, whether VK is connected, who is synced."""

from accounts.selectors import merchants_in_service
from connections.models import VkConnection
from vksync.models import SyncRun, SyncSettings


def settings_for(merchant) -> SyncSettings:
    """The merchant's sync settings (made with the defaults on first use)."""
    sync_settings, _ = SyncSettings.objects.get_or_create(merchant=merchant)
    return sync_settings


def vk_connected(merchant) -> bool:
    """A VK connection with a community that is not known to be broken."""
    return (
        VkConnection.objects.filter(merchant=merchant, group_id__isnull=False)
        .exclude(status=VkConnection.Status.BROKEN)
        .exists()
    )


def merchants_to_sync():
    """Merchants in service whose sync is on (the `--all` of `sync_vk`)."""
    return merchants_in_service().filter(sync_settings__enabled=True)


def first_sync_done(merchant) -> bool:
    """A sync has gone through to VK once (a real run, not a plan): the merchant confirmed the first plan."""
    return SyncRun.objects.filter(merchant=merchant, status=SyncRun.Status.DONE, dry_run=False).exists()
