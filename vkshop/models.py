"""The cached VK shop: the community's albums and items (hidden ones too), and which item is in which album."""

from django.conf import settings
from django.db import models

from accounts.ownership import OwnedManager


class VkAlbum(models.Model):
    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="продавец"
    )
    group_id = models.BigIntegerField("сообщество")
    vk_id = models.BigIntegerField("id в VK")
    title = models.CharField("название", max_length=255)
    count = models.IntegerField("товаров", default=0)
    is_main = models.BooleanField("основная", default=False)
    is_hidden = models.BooleanField("скрыта", default=False)
    updated_time = models.DateTimeField("изменена в VK", null=True, blank=True)
    refreshed_at = models.DateTimeField("прочитано из VK", null=True, blank=True)

    objects = OwnedManager()

    class Meta:
        verbose_name = "подборка VK"
        verbose_name_plural = "подборки VK"
        ordering = ["title"]
        db_table = "vksync_vkalbum"  # the table predates the vkshop app: kept, so nothing is copied
        # Per merchant: two merchants pointing at one community each keep their own copy, never each other's.
        constraints = [
            models.UniqueConstraint(fields=["merchant", "group_id", "vk_id"], name="vkalbum_unique_per_merchant")
        ]

    def __str__(self):
        return self.title


class VkItem(models.Model):
    class Availability(models.IntegerChoices):
        AVAILABLE = 0, "В наличии"
        REMOVED = 1, "Удалён"
        UNAVAILABLE = 2, "Недоступен"

    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="продавец"
    )
    group_id = models.BigIntegerField("сообщество")
    vk_id = models.BigIntegerField("id в VK")
    title = models.CharField("название", max_length=255)
    description = models.TextField("описание", blank=True)
    price = models.DecimalField("цена, ₽", max_digits=14, decimal_places=2, default=0)
    old_price = models.DecimalField("старая цена, ₽", max_digits=14, decimal_places=2, null=True, blank=True)
    sku = models.CharField("артикул (sku)", max_length=64, blank=True, db_index=True)
    availability = models.IntegerField("доступность", choices=Availability.choices, default=0)
    category_id = models.IntegerField("категория VK", null=True, blank=True)
    stock_amount = models.IntegerField("остаток в VK", null=True, blank=True)
    album_ids = models.JSONField("подборки", default=list, blank=True)
    photo_ids = models.JSONField("фото", default=list, blank=True)
    thumb_photo = models.URLField("миниатюра", max_length=1000, blank=True)
    date = models.DateTimeField("изменён в VK", null=True, blank=True)
    reject_info = models.JSONField("отклонён модерацией", null=True, blank=True)
    refreshed_at = models.DateTimeField("прочитано из VK", null=True, blank=True)

    objects = OwnedManager()

    class Meta:
        verbose_name = "товар VK"
        verbose_name_plural = "товары VK"
        ordering = ["title"]
        db_table = "vksync_vkitem"
        constraints = [
            models.UniqueConstraint(fields=["merchant", "group_id", "vk_id"], name="vkitem_unique_per_merchant")
        ]
        indexes = [
            # The shop pages read these alone: an album's page in title order, the count and the last read.
            models.Index(fields=["merchant", "group_id", "title", "vk_id"], name="vksync_vkit_merchan_0f8553_idx"),
            models.Index(fields=["merchant", "group_id", "refreshed_at"], name="vksync_vkit_merchan_f20a90_idx"),
            # The /sync page's items VK's moderation rejected, without reading every item (MariaDB: ignored).
            models.Index(
                fields=["merchant", "title"], condition=models.Q(reject_info__isnull=False), name="vkitem_rejected"
            ),
        ]

    def __str__(self):
        return self.title


class VkItemInAlbum(models.Model):
    """An item's place in an album (VK albums and items are many-to-many): lets a page list an album's items."""

    item = models.ForeignKey(VkItem, on_delete=models.CASCADE, related_name="in_albums", verbose_name="товар VK")
    group_id = models.BigIntegerField("сообщество")
    album_vk_id = models.BigIntegerField("id подборки в VK")

    class Meta:
        verbose_name = "товар VK в подборке"
        verbose_name_plural = "товары VK в подборках"
        db_table = "vksync_vkiteminalbum"
        constraints = [models.UniqueConstraint(fields=["item", "album_vk_id"], name="vkiteminalbum_unique")]
        indexes = [models.Index(fields=["group_id", "album_vk_id"], name="vksync_vkit_group_i_1b5d24_idx")]


class VkShopState(models.Model):
    """How far one merchant's cache of a community's shop can be trusted without reading it again.

    `trusted`: every write EvoSync made to the shop since the last full read is in the cache (a run clears it
    before its first write and sets it back once its answers are in the cache). `version` grows with every
    write begun and every batch of answers written into the cache, so a full read that overlapped one is never
    stored over them (`vkshop.writes`)."""

    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="продавец"
    )
    group_id = models.BigIntegerField("сообщество")
    full_read_at = models.DateTimeField("прочитан из VK целиком", null=True, blank=True)
    written_at = models.DateTimeField("записи EvoSync внесены", null=True, blank=True)
    trusted = models.BooleanField("все записи EvoSync в кэше", default=False)
    version = models.PositiveBigIntegerField("версия", default=0)

    objects = OwnedManager()

    class Meta:
        verbose_name = "состояние кэша магазина VK"
        verbose_name_plural = "состояния кэша магазинов VK"
        constraints = [models.UniqueConstraint(fields=["merchant", "group_id"], name="vkshopstate_unique")]

    def __str__(self):
        return f"Кэш магазина VK {self.group_id}: {self.merchant}"
