"""The sync engine's records: the merchant's rules, the product ↔ VK item mapping, runs and per-item errors."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from accounts.ownership import OwnedManager
from vksync import rules

MARKUP_BOUNDS = [
    MinValueValidator(rules.MARKUP_MIN, "Наценка не может быть −100%% и меньше: цена стала бы нулевой."),
    MaxValueValidator(rules.MARKUP_MAX, "Наценка — не больше %(limit_value)s%%."),
]


class SyncSettings(models.Model):
    """How one merchant's Evotor catalog becomes VK items."""

    class Rounding(models.TextChoices):
        NONE = "none", "Без округления"
        RUBLE = "1", "До рубля"
        TEN = "10", "До 10 рублей"
        NINETY_NINE = "99", "До ,99"

    class UnavailableAction(models.TextChoices):
        HIDE = "hide", "Скрывать"
        DELETE = "delete", "Скрывать, затем удалять"

    class AlbumsMode(models.TextChoices):
        PER_GROUP = "per_group", "Подборка на каждую группу Эвотор"
        NONE = "none", "Без подборок"

    class AlbumsAcrossStores(models.TextChoices):
        SHARED = "shared", "Одна подборка на группу для всех магазинов"
        STORE_IN_TITLE = "store_in_title", "Название магазина в названии подборки"

    class UnitLabel(models.TextChoices):
        TITLE = rules.UNIT_LABEL_TITLE, "В названии: «Сыр Российский, за 1 кг»"
        DESCRIPTION = rules.UNIT_LABEL_DESCRIPTION, "В начале описания: «Цена за 1 кг.»"
        NONE = rules.UNIT_LABEL_NONE, "Не указывать"

    class SkuKey(models.TextChoices):
        EVOTOR_ID = "evotor_id", "id товара в Эвоторе"
        ARTICLE = "article", "Артикул"
        BARCODE = "barcode", "Штрихкод"

    merchant = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sync_settings", verbose_name="продавец"
    )
    # Off until the merchant has seen and confirmed the first plan.
    enabled = models.BooleanField("синхронизация включена", default=False)
    category_id = models.IntegerField(
        "категория VK",
        default=1,
        validators=[
            MinValueValidator(1, "Номер категории VK — целое число от 1."),
            MaxValueValidator(rules.CATEGORY_ID_MAX, "Такой категории в VK нет."),
        ],
    )
    # {"<evotor group id>": <VK category id>} for groups that go to another category.
    group_categories = models.JSONField("категории по группам", default=dict, blank=True)
    markup_percent = models.DecimalField(
        "наценка, %", max_digits=7, decimal_places=2, default=Decimal("0"), validators=MARKUP_BOUNDS
    )
    rounding = models.CharField("округление", max_length=8, choices=Rounding.choices, default=Rounding.NONE)
    old_price_markup_percent = models.DecimalField(
        "старая цена: наценка, %", max_digits=7, decimal_places=2, null=True, blank=True, validators=MARKUP_BOUNDS
    )
    description_template = models.TextField("шаблон описания", default="{description}", max_length=rules.TEMPLATE_MAX)
    unavailable_if_no_stock = models.BooleanField(
        "нет в наличии, если в остатке нет целой единицы (0 шт, меньше 1 кг)", default=True
    )
    unavailable_if_not_for_sale = models.BooleanField("нет в наличии, если продажа запрещена", default=True)
    unavailable_action = models.CharField(
        "что делать с недоступными", max_length=8, choices=UnavailableAction.choices, default=UnavailableAction.HIDE
    )
    delete_grace_days = models.PositiveIntegerField(
        "удалять через, дней",
        default=7,
        validators=[MaxValueValidator(rules.GRACE_DAYS_MAX, "Не больше %(limit_value)s дней.")],
    )
    send_stock = models.BooleanField("передавать остаток", default=False)
    albums_mode = models.CharField("подборки", max_length=16, choices=AlbumsMode.choices, default=AlbumsMode.PER_GROUP)
    # Groups of one name in several published stores: one shared album, or one per store with the store's name.
    albums_across_stores = models.CharField(
        "группы с одним названием в разных магазинах",
        max_length=16,
        choices=AlbumsAcrossStores.choices,
        default=AlbumsAcrossStores.SHARED,
    )
    sku_key = models.CharField("ключ товара (sku)", max_length=16, choices=SkuKey.choices, default=SkuKey.EVOTOR_ID)
    # Goods sold by the кг, л, м: VK shows a price per item, so the item says which unit the price is for.
    unit_label = models.CharField(
        "цена весовых товаров (кг, л, м)", max_length=16, choices=UnitLabel.choices, default=UnitLabel.TITLE
    )
    default_photo = models.ImageField("фото по умолчанию", upload_to="sync/default-photos/", blank=True)
    brake_share = models.DecimalField(
        "тормоз: доля магазина",
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.30"),
        validators=[
            MinValueValidator(rules.BRAKE_SHARE_MIN, "Доля — число больше 0 и не больше 1."),
            MaxValueValidator(rules.BRAKE_SHARE_MAX, "Доля — число больше 0 и не больше 1."),
        ],
    )
    # A trigger arrived while a run was going on: exactly one more run follows, labelled with that trigger.
    dirty = models.BooleanField("ждёт ещё одного запуска", default=False)
    pending_trigger = models.CharField("причина следующего запуска", max_length=16, blank=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    objects = OwnedManager()

    class Meta:
        verbose_name = "настройки синхронизации"
        verbose_name_plural = "настройки синхронизации"

    def __str__(self):
        return f"Настройки синхронизации: {self.merchant}"


class ProductLink(models.Model):
    """One Evotor product ↔ one VK item, with the hash of what was last pushed."""

    class State(models.TextChoices):
        CREATING = "creating", "Создаётся"
        ACTIVE = "active", "В магазине"
        HIDDEN = "hidden", "Скрыт"
        DELETED = "deleted", "Удалён"
        FAILED = "failed", "Ошибка"

    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="продавец"
    )
    # SET_NULL: a product row that disappears must not take the knowledge of its VK item with it.
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.SET_NULL, null=True, related_name="vk_links", verbose_name="товар"
    )
    group_id = models.BigIntegerField("сообщество")
    sku = models.CharField("артикул в VK (sku)", max_length=64, blank=True)
    vk_item_id = models.BigIntegerField("товар VK", null=True, blank=True)
    vk_album_id = models.BigIntegerField("подборка VK", null=True, blank=True)
    pushed_hash = models.CharField("хеш отправленного", max_length=64, blank=True)
    photo_hash = models.CharField("хеш фото", max_length=64, blank=True)
    state = models.CharField("состояние", max_length=16, choices=State.choices, default=State.CREATING)
    last_error = models.TextField("последняя ошибка", blank=True)
    last_error_code = models.IntegerField("код последней ошибки VK", null=True, blank=True)
    hidden_at = models.DateTimeField("скрыт", null=True, blank=True)
    created_at = models.DateTimeField("создано", auto_now_add=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    objects = OwnedManager()

    class Meta:
        verbose_name = "связь товара с VK"
        verbose_name_plural = "связи товаров с VK"
        constraints = [models.UniqueConstraint(fields=["merchant", "product"], name="productlink_unique_per_product")]
        indexes = [
            models.Index(fields=["merchant", "state"]),
            # The /sync page's failed items, newest first, without reading every link (MariaDB: ignored).
            models.Index(
                fields=["merchant", "-updated_at"], condition=~models.Q(last_error=""), name="productlink_failed"
            ),
        ]

    def __str__(self):
        return f"{self.sku} → {self.vk_item_id}"


class AlbumLink(models.Model):
    """One Evotor product group ↔ the VK album made for it."""

    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="продавец"
    )
    group_evotor_id = models.CharField("группа (id в Эвоторе)", max_length=64)
    group_id = models.BigIntegerField("сообщество")
    vk_album_id = models.BigIntegerField("подборка VK")
    pushed_title = models.CharField("название в VK", max_length=255)
    created_at = models.DateTimeField("создано", auto_now_add=True)

    objects = OwnedManager()

    class Meta:
        verbose_name = "связь группы с подборкой VK"
        verbose_name_plural = "связи групп с подборками VK"
        constraints = [
            models.UniqueConstraint(fields=["merchant", "group_id", "group_evotor_id"], name="albumlink_unique")
        ]

    def __str__(self):
        return self.pushed_title


class VkPhoto(models.Model):
    """An image uploaded once to a community, reused by every item showing it."""

    group_id = models.BigIntegerField("сообщество")
    sha256 = models.CharField("SHA-256 картинки", max_length=64)
    photo_id = models.BigIntegerField("фото в VK")
    # What was done so VK would take the picture (padded, converted, shrunk), in words; empty when nothing.
    fixes = models.JSONField("исправления перед загрузкой", default=list, blank=True)
    created_at = models.DateTimeField("создано", auto_now_add=True)

    class Meta:
        verbose_name = "фото VK"
        verbose_name_plural = "фото VK"
        constraints = [models.UniqueConstraint(fields=["group_id", "sha256"], name="vkphoto_unique_per_community")]

    def __str__(self):
        return f"{self.group_id}:{self.photo_id}"


class VkProperty(models.Model):
    """A VK item property («Размер») in a community, made once (or found there) and reused by every card."""

    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="продавец"
    )
    group_id = models.BigIntegerField("сообщество")
    title = models.CharField("название", max_length=100)
    vk_property_id = models.BigIntegerField("свойство VK")
    created_at = models.DateTimeField("создано", auto_now_add=True)

    objects = OwnedManager()

    class Meta:
        verbose_name = "свойство товаров VK"
        verbose_name_plural = "свойства товаров VK"
        constraints = [
            models.UniqueConstraint(fields=["merchant", "group_id", "title"], name="vkproperty_unique_per_community")
        ]

    def __str__(self):
        return self.title


class VkPropertyValue(models.Model):
    """One value of a VK property («M» of «Размер»): a variant id VK gave, reused by every item that has it."""

    property = models.ForeignKey(VkProperty, on_delete=models.CASCADE, related_name="values", verbose_name="свойство")
    title = models.CharField("значение", max_length=60)
    vk_variant_id = models.BigIntegerField("значение в VK")

    class Meta:
        verbose_name = "значение свойства VK"
        verbose_name_plural = "значения свойств VK"
        constraints = [models.UniqueConstraint(fields=["property", "title"], name="vkpropertyvalue_unique")]

    def __str__(self):
        return f"{self.property.title}: {self.title}"


class VariantCard(models.Model):
    """One Evotor product with modifications ↔ one VK card: which products' items VK holds grouped now.

    `separate`: VK refused to group this card (its reason kept); its modifications go as separate items with
    their values in the name until the merchant asks to try again."""

    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="продавец"
    )
    group_id = models.BigIntegerField("сообщество")
    card_key = models.CharField("товар с модификациями (id группы в Эвоторе)", max_length=64)
    title = models.CharField("название", max_length=255, blank=True)
    vk_card_id = models.BigIntegerField("карточка VK (item_group_id)", null=True, blank=True)
    product_ids = models.JSONField("товары в карточке", default=list, blank=True)
    separate = models.BooleanField("отдельными товарами", default=False)
    reason = models.TextField("почему отдельными", blank=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    objects = OwnedManager()

    class Meta:
        verbose_name = "карточка с вариантами"
        verbose_name_plural = "карточки с вариантами"
        constraints = [models.UniqueConstraint(fields=["merchant", "group_id", "card_key"], name="variantcard_unique")]

    def __str__(self):
        return self.title or self.card_key


class CommunityVariants(models.Model):
    """Whether a merchant's VK community takes variants: remembered when VK refuses them (per connection)."""

    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="продавец"
    )
    group_id = models.BigIntegerField("сообщество")
    refused = models.BooleanField("VK не принимает варианты", default=False)
    refused_code = models.IntegerField("код ошибки VK", null=True, blank=True)
    reason = models.TextField("причина", blank=True)
    refused_at = models.DateTimeField("когда", null=True, blank=True)

    objects = OwnedManager()

    class Meta:
        verbose_name = "ответ VK о вариантах товаров"
        verbose_name_plural = "ответы VK о вариантах товаров"
        constraints = [models.UniqueConstraint(fields=["merchant", "group_id"], name="communityvariants_unique")]

    def __str__(self):
        return f"{self.group_id}: {'отказ' if self.refused else 'да'}"


class SyncRun(models.Model):
    class Trigger(models.TextChoices):
        MANUAL = "manual", "Кнопка «Синхронизировать»"
        SCHEDULE = "schedule", "По расписанию"
        REFRESH = "refresh", "После обновления каталога"
        WEBHOOK = "webhook", "Изменения в Эвоторе"
        COMMAND = "command", "Команда manage.py"
        CONFIRM = "confirm", "Подтверждение плана"
        RETRY = "retry", "Повтор"
        ADMIN = "admin", "Админка"
        STOCK = "stock", "Продажи и остатки в Эвоторе"

    class Status(models.TextChoices):
        QUEUED = "queued", "В очереди"
        RUNNING = "running", "Идёт"
        DONE = "done", "Готово"
        FAILED = "failed", "Ошибка"
        NEEDS_CONFIRMATION = "needs_confirmation", "Ждёт подтверждения"
        STOPPED = "stopped", "Остановлено"

    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sync_runs", verbose_name="продавец"
    )
    trigger = models.CharField("причина", max_length=16, choices=Trigger.choices, default=Trigger.MANUAL)
    status = models.CharField("состояние", max_length=24, choices=Status.choices, default=Status.QUEUED)
    dry_run = models.BooleanField("пробный (без записи в VK)", default=False)
    created_at = models.DateTimeField("поставлен в очередь", auto_now_add=True)
    started_at = models.DateTimeField("начат", null=True, blank=True)
    finished_at = models.DateTimeField("закончен", null=True, blank=True)
    # Touched while the run works: a "running" run whose heartbeat stopped was interrupted (worker killed).
    heartbeat_at = models.DateTimeField("последний признак жизни", null=True, blank=True)
    created = models.PositiveIntegerField("создано", default=0)
    updated = models.PositiveIntegerField("изменено", default=0)
    hidden = models.PositiveIntegerField("скрыто", default=0)
    deleted = models.PositiveIntegerField("удалено", default=0)
    adopted = models.PositiveIntegerField("связано", default=0)
    failed = models.PositiveIntegerField("ошибок", default=0)
    cards = models.PositiveIntegerField("карточек с вариантами собрано", default=0)
    requests = models.JSONField("запросы к VK", default=dict, blank=True)
    # The total of `requests`, as a column: the staff dashboard sums it per day.
    vk_requests = models.PositiveIntegerField("запросов к VK", default=0)
    progress = models.JSONField("ход", default=dict, blank=True)
    plan_summary = models.JSONField("план", default=dict, blank=True)
    error = models.TextField("ошибка", blank=True)
    # Failed for a reason that passes (VK busy, network): the task tries again later.
    transient = models.BooleanField("временная ошибка", default=False)
    # A long run works in slices of SYNC_SLICE_SECONDS, each its own task: how many have started, and whether the
    # run waits for its next one in the queue (it stays running: no other run of the merchant starts meanwhile).
    slices = models.PositiveIntegerField("частей", default=0)
    between_slices = models.BooleanField("ждёт следующей части", default=False)
    writes_left = models.PositiveIntegerField("записей в VK по плану части", null=True, blank=True)
    # The last slice could send nothing (its items wait for pictures): the next one only learns pictures, unplanned.
    pictures_next = models.BooleanField("следующая часть читает только картинки", default=False)
    # Pictures learnt by the slices that only learn, since the last plan: the run plans again after
    # SYNC_PICTURES_BEFORE_PLAN of them (a plan of a big shop costs seconds; one after each learning slice would
    # cost more than the learning).
    pictures_learnt = models.PositiveIntegerField("картинок прочитано после плана", default=0)

    objects = OwnedManager()

    class Meta:
        verbose_name = "запуск синхронизации"
        verbose_name_plural = "запуски синхронизации"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "status"]),
            # A merchant's latest runs (the failure count, the pages): without it MariaDB walks every merchant's runs
            # newest first until it has found this merchant's.
            models.Index(fields=["merchant", "created_at"], name="syncrun_merchant_created"),
            # The staff dashboard: runs per day in a range, and who synced lately.
            models.Index(fields=["created_at"], name="syncrun_created"),
            models.Index(fields=["status", "finished_at"], name="syncrun_status_finished"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    @property
    def requests_total(self) -> int:
        return sum(self.requests.get("by_method", {}).values()) if self.requests else 0


class SyncItemError(models.Model):
    """One operation VK refused during a run, with VK's reason in words."""

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="item_errors", verbose_name="запуск")
    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="продавец"
    )
    link = models.ForeignKey(
        ProductLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="errors", verbose_name="связь"
    )
    product_name = models.CharField("товар", max_length=255, blank=True)
    operation = models.CharField("операция", max_length=32)
    code = models.IntegerField("код VK", null=True, blank=True)
    reason = models.TextField("причина")
    created_at = models.DateTimeField("когда", auto_now_add=True)

    objects = OwnedManager()

    class Meta:
        verbose_name = "ошибка товара"
        verbose_name_plural = "ошибки товаров"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.operation}: {self.reason}"
