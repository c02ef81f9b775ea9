"""Reads the sync engine shares: the merchant's sync settings, whether VK is connected, who is synced."""

from accounts.selectors import merchants_in_service
from connections.models import VkConnection
from vksync.inputs import product_pictures
from vksync.models import ProductLink, SyncRun, SyncSettings, VkPhoto


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


def item_pictures(link: ProductLink) -> list[dict]:
    """The pictures of a linked product in Evotor's order: whether each is in VK, and what was done so VK took it."""
    product = link.product
    if product is None:
        return []
    pictures = product_pictures({"images": product.images, "image_url": product.image_url,
                                 "image_hash": product.image_hash})  # fmt: skip
    uploaded = {
        photo.sha256: photo
        for photo in VkPhoto.objects.filter(group_id=link.group_id, sha256__in=list(pictures)).only(
            "sha256", "photo_id", "fixes"
        )
    }
    return [
        {
            "number": number,
            "role": "главное фото" if number == 1 else "дополнительное фото",
            "url": url,
            "photo_id": uploaded[sha].photo_id if sha in uploaded else None,
            "fixes": uploaded[sha].fixes if sha in uploaded else [],
        }
        for number, (sha, url) in enumerate(pictures.items(), start=1)
    ]
