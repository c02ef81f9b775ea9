"""Staff view of the sync engine: runs and failed items for every merchant, "run sync now"."""

from django.contrib import admin, messages

from vksync import triggers
from vksync.models import ProductLink, SyncItemError, SyncRun, SyncSettings


def _run_now(modeladmin, request, merchants) -> None:
    queued = 0
    for merchant in merchants:
        if triggers.request_sync(merchant=merchant, trigger=SyncRun.Trigger.ADMIN):
            queued += 1
    modeladmin.message_user(request, f"Синхронизаций запущено: {queued}.", messages.SUCCESS)


class SyncItemErrorInline(admin.TabularInline):
    model = SyncItemError
    extra = 0
    can_delete = False
    fields = ["product_name", "operation", "code", "reason", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ["number", "merchant", "trigger", "status", "created_at", "duration", "created", "updated"]
    list_display += ["hidden", "deleted", "adopted", "failed"]
    list_filter = ["status", "trigger", "dry_run", "created_at", "finished_at"]
    search_fields = ["merchant__email"]
    list_select_related = ["merchant"]
    readonly_fields = [f.name for f in SyncRun._meta.fields]
    inlines = [SyncItemErrorInline]
    actions = ["run_sync_now"]

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

    def has_add_permission(self, request):
        return False


@admin.register(SyncItemError)
class SyncItemErrorAdmin(admin.ModelAdmin):
    list_display = ["created_at", "merchant", "product_name", "operation", "code", "reason", "run"]
    list_filter = ["operation", "code"]
    search_fields = ["merchant__email", "product_name", "reason"]
    list_select_related = ["merchant", "run"]
    readonly_fields = ["run", "merchant", "link", "product_name", "operation", "code", "reason", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(SyncSettings)
class SyncSettingsAdmin(admin.ModelAdmin):
    list_display = ["merchant", "enabled", "markup_percent", "rounding", "unavailable_action", "albums_mode"]
    list_filter = ["enabled", "unavailable_action", "albums_mode", "sku_key"]
    search_fields = ["merchant__email"]
    list_select_related = ["merchant"]
    actions = ["run_sync_now"]

    @admin.action(description="Синхронизировать сейчас")
    def run_sync_now(self, request, queryset):
        _run_now(self, request, [s.merchant for s in queryset.select_related("merchant")])


@admin.register(ProductLink)
class ProductLinkAdmin(admin.ModelAdmin):
    list_display = ["merchant", "product", "sku", "vk_item_id", "state", "last_error", "updated_at"]
    list_filter = ["state"]
    search_fields = ["merchant__email", "sku", "vk_item_id"]
    list_select_related = ["merchant", "product"]
    raw_id_fields = ["product"]
