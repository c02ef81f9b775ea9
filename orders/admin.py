from django.contrib import admin, messages
from django.utils import timezone

from accounts.support import SupportScoped
from core.exports import export_response
from orders.exports import orders_sheets
from orders.models import CallbackEvent, Order, OrderItem, OrdersAccess


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    can_delete = False
    readonly_fields = ["vk_item_id", "title", "quantity", "price", "product", "reservation", "reserved_quantity",
                       "reservation_note"]  # fmt: skip


@admin.register(Order)
class OrderAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ("display_order_id", "merchant", "status", "total", "ordered_at", "arrived_by")
    list_filter = ("status", "arrived_by")
    search_fields = ("merchant__email", "display_order_id", "vk_order_id")
    readonly_fields = [field.name for field in Order._meta.fields]
    inlines = [OrderItemInline]
    actions = ["orders_csv", "orders_xlsx"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Скачать все заказы продавца (CSV)", permissions=["view"])
    def orders_csv(self, request, queryset):
        return self._export(request, queryset, "csv")

    @admin.action(description="Скачать все заказы продавца (XLSX)", permissions=["view"])
    def orders_xlsx(self, request, queryset):
        return self._export(request, queryset, "xlsx")

    def _export(self, request, queryset, kind: str):
        """Every order of the one merchant whose orders are selected (an export is one merchant's)."""
        merchant_ids = list(queryset.order_by().values_list("merchant", flat=True).distinct()[:2])
        if len(merchant_ids) != 1:
            self.message_user(request, "Для выгрузки выберите заказы одного продавца.", messages.WARNING)
            return None
        merchant = queryset.select_related("merchant").first().merchant
        name = f"evosync-orders-{merchant.pk}-{timezone.localdate():%Y-%m-%d}"
        return export_response(kind, name, orders_sheets(merchant))


@admin.register(CallbackEvent)
class CallbackEventAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ("received_at", "merchant", "type", "event_id", "handled_at")
    list_filter = ("type",)
    readonly_fields = [field.name for field in CallbackEvent._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(OrdersAccess)
class OrdersAccessAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ("merchant", "problem_code", "problem_since", "checked_at")
    list_filter = ("problem_code",)
    search_fields = ("merchant__email",)
    readonly_fields = [field.name for field in OrdersAccess._meta.fields]

    def has_add_permission(self, request):
        return False
