"""What a merchant (or staff, for a merchant) downloads: the catalog with its VK state, and a sync run's report.

Each function answers the sheets of one download (`core.exports.Sheet`), read from the database in chunks.
(The orders list is `orders.exports`: orders sit above vksync.)
"""

from django.conf import settings
from django.db.models import OuterRef, Subquery

from catalog.models import Product
from core.exports import Sheet, keyset_chunks
from vkshop.models import VkItem
from vksync.models import ProductLink, SyncItemError, SyncRun

NOT_IN_VK = "Не в VK"
STATES = dict(ProductLink.State.choices)
CATALOG_HEADER = [
    "Магазин",
    "Группа",
    "Товар",
    "Код",
    "Штрихкод",
    "Цена, ₽",
    "Цена в VK, ₽",
    "Товар в VK",
    "Состояние в VK",
    "Последняя ошибка",
]
CATALOG_FIELDS = [
    "pk",
    "store__name",
    "group__name",
    "name",
    "code",
    "barcodes",
    "price",
    "vk_price",
    "vk_links__group_id",
    "vk_links__vk_item_id",
    "vk_links__state",
    "vk_links__last_error",
]
ERRORS_HEADER = ["Когда", "Товар", "Операция", "Код ошибки VK", "Причина"]
ERROR_FIELDS = ["created_at", "product_name", "operation", "code", "reason"]


def vk_item_url(group_id: int | None, item_id: int | None) -> str:
    if not group_id or not item_id:
        return ""
    return f"{settings.VK_WEB_URL.rstrip('/')}/product-{group_id}_{item_id}"


def catalog_sheets(merchant) -> list[Sheet]:
    """The merchant's products (those still in Evotor) with what VK holds of each."""
    vk_price = VkItem.objects.filter(
        merchant=OuterRef("merchant"), group_id=OuterRef("vk_links__group_id"), vk_id=OuterRef("vk_links__vk_item_id")
    ).values("price")[:1]
    products = (
        Product.objects.filter(merchant=merchant, removed=False)
        .annotate(vk_price=Subquery(vk_price))
        .values(*CATALOG_FIELDS)
    )
    return [Sheet("Каталог", CATALOG_HEADER, (_catalog_row(row) for row in keyset_chunks(products)))]


def _catalog_row(row: dict) -> list:
    state = row["vk_links__state"]
    return [
        row["store__name"],
        row["group__name"],
        row["name"],
        row["code"],
        ", ".join(str(code) for code in row["barcodes"] or []),
        row["price"],
        row["vk_price"],
        vk_item_url(row["vk_links__group_id"], row["vk_links__vk_item_id"]),
        STATES.get(state, state) if state else NOT_IN_VK,
        row["vk_links__last_error"],
    ]


def run_report_sheets(run: SyncRun) -> list[Sheet]:
    """The run in figures, then every product VK refused during it, with the reason."""
    errors = SyncItemError.objects.filter(run=run).values(
        "pk", "created_at", "product_name", "operation", "code", "reason"
    )
    error_rows = (
        [e["created_at"], e["product_name"], e["operation"], e["code"], e["reason"]] for e in keyset_chunks(errors)
    )
    return [Sheet("Запуск", ["Что", "Значение"], _run_figures(run)), Sheet("Ошибки товаров", ERRORS_HEADER, error_rows)]


def _run_figures(run: SyncRun) -> list[list]:
    return [
        ["Запуск №", run.pk],
        ["Причина", run.get_trigger_display()],
        ["Состояние", run.get_status_display()],
        ["Пробный (без записи в VK)", run.dry_run],
        ["Поставлен в очередь", run.created_at],
        ["Начат", run.started_at],
        ["Закончен", run.finished_at],
        ["Длительность, с", round(run.duration.total_seconds()) if run.duration else None],
        ["Создано", run.created],
        ["Изменено", run.updated],
        ["Скрыто", run.hidden],
        ["Удалено", run.deleted],
        ["Связано с готовыми товарами VK", run.adopted],
        ["Ошибок", run.failed],
        ["Запросов к VK", run.requests_total],
        ["Ошибка запуска", run.error],
    ]
