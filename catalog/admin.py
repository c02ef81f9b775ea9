"""Staff view of the cached catalog: read-mostly (Evotor is the source), searchable."""

from django.contrib import admin

from accounts.support import SupportScoped
from catalog.models import CatalogRead, Product, ProductGroup, StockRecheck, Store


class ReadMostly(SupportScoped, admin.ModelAdmin):
    """Everything from Evotor is read-only here; only the sync switches may be changed."""

    editable = ("sync_enabled",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.editable]

    def has_add_permission(self, request):
        return False


@admin.register(Store)
class StoreAdmin(ReadMostly):
    list_display = ["name", "merchant", "address", "sync_enabled", "removed", "refreshed_at"]
    list_filter = ["sync_enabled", "removed"]
    search_fields = ["name", "address", "evotor_id", "merchant__email"]
    list_select_related = ["merchant"]


@admin.register(ProductGroup)
class ProductGroupAdmin(ReadMostly):
    list_display = ["name", "store", "merchant", "sync_enabled", "removed", "refreshed_at"]
    list_filter = ["sync_enabled", "removed"]
    search_fields = ["name", "evotor_id", "merchant__email", "store__name"]
    list_select_related = ["store", "merchant"]


@admin.register(Product)
class ProductAdmin(ReadMostly):
    editable = ()
    list_display = [
        "name",
        "code",
        "store",
        "merchant",
        "price",
        "quantity",
        "allow_to_sell",
        "removed",
        "refreshed_at",
    ]
    list_filter = ["removed", "allow_to_sell", "type"]
    search_fields = ["name", "code", "evotor_id", "article_number", "merchant__email"]
    list_select_related = ["store", "merchant"]
    show_full_result_count = False  # a count over a big catalog is a slow query for nothing

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StockRecheck)
class StockRecheckAdmin(ReadMostly):
    """Products Evotor said moved, waiting for the next stock recheck (gone once read)."""

    editable = ()
    list_display = ["product_evotor_id", "store_evotor_id", "merchant", "noted_at"]
    search_fields = ["product_evotor_id", "merchant__email"]
    list_select_related = ["merchant"]


@admin.register(CatalogRead)
class CatalogReadAdmin(ReadMostly):
    """Catalog reads cut at a task's deadline, whose next task goes on (gone once read; syncs wait meanwhile).
    Deleting one makes the next refresh start over."""

    editable = ()
    list_display = ["merchant", "store_evotor_id", "page_offset", "started_at", "updated_at"]
    search_fields = ["merchant__email"]
    list_select_related = ["merchant"]
    exclude = ["seen"]  # thousands of ids: the count says enough

    def get_readonly_fields(self, request, obj=None):
        return [name for name in super().get_readonly_fields(request, obj) if name != "seen"] + ["seen_count"]

    @admin.display(description="товаров магазина прочитано")
    def seen_count(self, obj) -> int:
        return len(obj.seen or [])
