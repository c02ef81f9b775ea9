"""The cached Evotor catalog: stores, product groups (nested) and products, per merchant."""

from django.conf import settings
from django.db import models

from accounts.ownership import OwnedManager


class CatalogObject(models.Model):
    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="продавец"
    )
    evotor_id = models.CharField("id в Эвоторе", max_length=64)
    name = models.CharField("название", max_length=255)
    evotor_updated_at = models.DateTimeField("изменено в Эвоторе", null=True, blank=True)
    # Vanished from Evotor on the last complete refresh: kept so the VK side can hide it.
    removed = models.BooleanField("удалён в Эвоторе", default=False)
    removed_at = models.DateTimeField("удалено из Эвотора", null=True, blank=True)
    refreshed_at = models.DateTimeField("обновлён", null=True, blank=True)

    objects = OwnedManager()

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


class Store(CatalogObject):
    address = models.CharField("адрес", max_length=500, blank=True)
    sync_enabled = models.BooleanField("публиковать в VK", default=False)

    class Meta:
        verbose_name = "магазин"
        verbose_name_plural = "магазины"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["merchant", "evotor_id"], name="store_unique_per_merchant")]


class ProductGroup(CatalogObject):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="groups", verbose_name="магазин")
    parent_evotor_id = models.CharField("родительская группа (id в Эвоторе)", max_length=64, null=True, blank=True)
    # A group is published when its store is, it is, and every group above it is.
    sync_enabled = models.BooleanField("публиковать в VK", default=True)
    # A group declaring attributes holds one product's modifications (catalog.variants): [{id, name, choices}].
    attributes = models.JSONField("атрибуты модификаций", default=list, blank=True)

    class Meta:
        verbose_name = "группа товаров"
        verbose_name_plural = "группы товаров"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["merchant", "evotor_id"], name="group_unique_per_merchant")]
        indexes = [models.Index(fields=["store", "parent_evotor_id"])]


class Product(CatalogObject):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="products", verbose_name="магазин")
    group = models.ForeignKey(
        ProductGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="products", verbose_name="группа"
    )
    parent_evotor_id = models.CharField("id группы в Эвоторе", max_length=64, null=True, blank=True)
    type = models.CharField("тип", max_length=32, default="NORMAL")
    code = models.CharField("код", max_length=64, blank=True)
    barcodes = models.JSONField("штрихкоды", default=list, blank=True)
    price = models.DecimalField("цена", max_digits=12, decimal_places=2, default=0)
    cost_price = models.DecimalField("закупочная цена", max_digits=12, decimal_places=2, default=0)
    quantity = models.DecimalField("остаток", max_digits=15, decimal_places=3, default=0)
    measure_name = models.CharField("единица", max_length=16, blank=True)
    tax = models.CharField("НДС", max_length=32, blank=True)
    allow_to_sell = models.BooleanField("можно продавать", default=True)
    description = models.TextField("описание", blank=True)
    article_number = models.CharField("артикул", max_length=255, blank=True)
    extra = models.JSONField("прочие поля", default=dict, blank=True)
    # Hash of the fields above as last read from Evotor: tells a refresh what changed.
    content_hash = models.CharField("хеш содержимого", max_length=64, blank=True)
    # Images: fetched only for products selected for VK, and again when content_hash moves or a day passed.
    # `images` holds them all in Evotor's order, [{"url": …, "sha": sha256 of the bytes, "updated_at": Evotor's
    # stamp of the picture}, …] (at most
    # CATALOG_IMAGES_PER_PRODUCT); image_url/image_hash repeat the first one (the thumbnail's picture).
    images = models.JSONField("картинки", default=list, blank=True)
    image_url = models.URLField("картинка", max_length=1000, blank=True)
    image_hash = models.CharField("хеш картинки", max_length=64, blank=True)
    image_checked_hash = models.CharField("хеш проверенной картинки", max_length=64, blank=True)
    # When the pictures were last read from Evotor: read again after CATALOG_IMAGE_RECHECK_SECONDS, since
    # Evotor's product list does not tell a change of pictures alone.
    images_checked_at = models.DateTimeField("картинки проверены", null=True, blank=True)
    # The small picture for EvoSync's pages (catalog.thumbnails): its file name, "-" when the picture is unreadable.
    thumbnail = models.CharField("миниатюра", max_length=80, blank=True)
    # Name, code and barcodes folded (lower case, ё as е) for the products page's search: one LIKE, any case.
    search_text = models.TextField("текст для поиска", blank=True, editable=False)

    class Meta:
        verbose_name = "товар"
        verbose_name_plural = "товары"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["merchant", "evotor_id"], name="product_unique_per_merchant")]
        indexes = [
            models.Index(fields=["store", "name"]),
            # The products page's count and its first pages read this index alone, not the rows.
            models.Index(fields=["store", "removed", "name"]),
            models.Index(fields=["store", "group"]),
            models.Index(fields=["store", "code"]),
        ]


class StockRecheck(models.Model):
    """A product whose stock or price Evotor said moved (a receipt, a store document, an event): its quantity and
    price are read again from Evotor at the next stock recheck (one per quiet period), then the row goes."""

    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="продавец"
    )
    store_evotor_id = models.CharField("магазин (id в Эвоторе)", max_length=64, blank=True)
    product_evotor_id = models.CharField("товар (id в Эвоторе)", max_length=64)
    noted_at = models.DateTimeField("когда сообщено")

    objects = OwnedManager()

    class Meta:
        verbose_name = "товар к перепроверке остатка"
        verbose_name_plural = "товары к перепроверке остатка"
        constraints = [
            models.UniqueConstraint(fields=["merchant", "product_evotor_id"], name="stock_recheck_once_per_product")
        ]

    def __str__(self):
        return self.product_evotor_id


class CatalogRead(models.Model):
    """A catalog refresh cut at its task's deadline (`catalog.services`): where its next task goes on. One per
    merchant at most; gone when the read ends. While it is here (and fresh) the catalog is half read: syncs wait."""

    merchant = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="продавец"
    )
    started_at = models.DateTimeField("чтение начато")  # every row it writes says it was read then
    updated_at = models.DateTimeField("последний шаг", auto_now=True)
    store_evotor_id = models.CharField("магазин, который читается (id в Эвоторе)", max_length=64, blank=True)
    stores_left = models.JSONField("магазины после него (id в Эвоторе)", default=list, blank=True)
    groups_read = models.BooleanField("группы магазина прочитаны", default=False)
    cursor = models.CharField("страница товаров (курсор Эвотора)", max_length=1000, blank=True)
    page_offset = models.PositiveIntegerField("товаров этой страницы уже записано", default=0)
    # The store's products seen so far: the ones not seen by the store's end vanished from Evotor.
    seen = models.JSONField("товары магазина, уже прочитанные (id в Эвоторе)", default=list, blank=True)
    announce = models.BooleanField("сообщить об изменении каталога в конце", default=True)

    objects = OwnedManager()

    class Meta:
        verbose_name = "чтение каталога"
        verbose_name_plural = "чтения каталога"

    def __str__(self):
        return f"{self.store_evotor_id or '—'} ({len(self.stores_left)} после)"
