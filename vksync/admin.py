"""Staff view of the sync engine: runs and failed items for every merchant, "run sync now", the exports."""

from django.contrib import admin, messages
from django.utils import timezone

from accounts.support import SupportScoped
from core.exports import export_response
from vksync import triggers
from vksync.exports import catalog_sheets, run_report_sheets
from vksync.models import (
    CommunityVariants,
    ProductLink,
    SyncItemError,
    SyncRun,
    SyncSettings,
    VariantCard,
    VkProperty,
    VkPropertyValue,
)


def _run_now(modeladmin, request, merchants) -> None:
    queued = 0
    for merchant in merchants:
        if triggers.request_sync(merchant=merchant, trigger=SyncRun.Trigger.ADMIN):
            queued += 1
    modeladmin.message_user(request, f"Синхронизаций запущено: {queued}.", messages.SUCCESS)


def _the_one(modeladmin, request, queryset):
    """The one selected row, or None after telling staff to pick exactly one (an export is one merchant's)."""
    if queryset.count() != 1:
        modeladmin.message_user(request, "Для выгрузки выберите одну строку.", messages.WARNING)
        return None
    return queryset.select_related("merchant").get()


def _catalog_export(modeladmin, request, queryset, kind: str):
    chosen = _the_one(modeladmin, request, queryset)
    if chosen is None:
        return None
    name = f"evosync-catalog-{chosen.merchant_id}-{timezone.localdate():%Y-%m-%d}"
    return export_response(kind, name, catalog_sheets(chosen.merchant))


def _run_export(modeladmin, request, queryset, kind: str):
    run = _the_one(modeladmin, request, queryset)
    return None if run is None else export_response(kind, f"evosync-run-{run.pk}", run_report_sheets(run))


class SyncItemErrorInline(admin.TabularInline):
    model = SyncItemError
    extra = 0
    can_delete = False
    fields = ["product_name", "operation", "code", "reason", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SyncRun)
class SyncRunAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ["number", "merchant", "trigger", "status", "created_at", "duration", "created", "updated"]
    list_display += ["hidden", "deleted", "adopted", "failed", "cards"]
    list_filter = ["status", "trigger", "dry_run", "created_at", "finished_at"]
    search_fields = ["merchant__email"]
    list_select_related = ["merchant"]
    readonly_fields = [f.name for f in SyncRun._meta.fields]
    inlines = [SyncItemErrorInline]
    actions = ["run_sync_now", "report_csv", "report_xlsx"]

    @admin.display(description="запуск", ordering="id")
    def number(self, run):
        return f"№ {run.pk}"

    @admin.display(description="длительность")
    def duration(self, run):
        return run.duration or "—"

    @admin.action(description="Синхронизировать сейчас (магазины выбранных запусков)")
    def run_sync_now(self, request, queryset):
        merchants = {run.merchant_id: run.merchant for run in queryset.select_related("merchant")}
        _run_now(self, request, merchants.values())

    @admin.action(description="Скачать отчёт о запуске (CSV)", permissions=["view"])
    def report_csv(self, request, queryset):
        return _run_export(self, request, queryset, "csv")

    @admin.action(description="Скачать отчёт о запуске (XLSX)", permissions=["view"])
    def report_xlsx(self, request, queryset):
        return _run_export(self, request, queryset, "xlsx")

    def has_add_permission(self, request):
        return False


@admin.register(SyncItemError)
class SyncItemErrorAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ["created_at", "merchant", "product_name", "operation", "code", "reason", "run"]
    list_filter = ["operation", "code"]
    search_fields = ["merchant__email", "product_name", "reason"]
    list_select_related = ["merchant", "run"]
    readonly_fields = ["run", "merchant", "link", "product_name", "operation", "code", "reason", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(SyncSettings)
class SyncSettingsAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ["merchant", "enabled", "markup_percent", "rounding", "unavailable_action", "albums_mode"]
    list_filter = ["enabled", "unavailable_action", "albums_mode", "sku_key"]
    search_fields = ["merchant__email"]
    list_select_related = ["merchant"]
    actions = ["run_sync_now", "catalog_csv", "catalog_xlsx"]

    @admin.action(description="Синхронизировать сейчас")
    def run_sync_now(self, request, queryset):
        _run_now(self, request, [s.merchant for s in queryset.select_related("merchant")])

    @admin.action(description="Скачать каталог продавца с состоянием в VK (CSV)", permissions=["view"])
    def catalog_csv(self, request, queryset):
        return _catalog_export(self, request, queryset, "csv")

    @admin.action(description="Скачать каталог продавца с состоянием в VK (XLSX)", permissions=["view"])
    def catalog_xlsx(self, request, queryset):
        return _catalog_export(self, request, queryset, "xlsx")


@admin.register(ProductLink)
class ProductLinkAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ["merchant", "product", "sku", "vk_item_id", "state", "last_error", "updated_at"]
    list_filter = ["state"]
    search_fields = ["merchant__email", "sku", "vk_item_id"]
    list_select_related = ["merchant", "product"]
    raw_id_fields = ["product"]


class VkPropertyValueInline(admin.TabularInline):
    model = VkPropertyValue
    extra = 0
    fields = ["title", "vk_variant_id"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(VkProperty)
class VkPropertyAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ["title", "merchant", "group_id", "vk_property_id", "created_at"]
    search_fields = ["merchant__email", "title"]
    list_select_related = ["merchant"]
    readonly_fields = ["merchant", "group_id", "title", "vk_property_id", "created_at"]
    inlines = [VkPropertyValueInline]

    def has_add_permission(self, request):
        return False


@admin.register(VariantCard)
class VariantCardAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ["__str__", "merchant", "group_id", "vk_card_id", "separate", "reason", "updated_at"]
    list_filter = ["separate"]
    search_fields = ["merchant__email", "title", "card_key"]
    list_select_related = ["merchant"]
    readonly_fields = ["merchant", "group_id", "card_key", "title", "vk_card_id", "product_ids", "updated_at"]
    actions = ["try_again"]

    @admin.action(description="Снова предложить VK собрать карточку")
    def try_again(self, request, queryset):
        count = queryset.filter(separate=True).update(separate=False, reason="")
        self.message_user(request, f"Карточек: {count}; они уйдут в VK при следующей синхронизации.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False


@admin.register(CommunityVariants)
class CommunityVariantsAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ["merchant", "group_id", "refused", "refused_code", "reason", "refused_at"]
    list_filter = ["refused"]
    search_fields = ["merchant__email"]
    list_select_related = ["merchant"]
    readonly_fields = ["merchant", "group_id", "refused_code", "reason", "refused_at"]

    def has_add_permission(self, request):
        return False
