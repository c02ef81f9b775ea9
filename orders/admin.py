from django.contrib import admin

from accounts.support import SupportScoped
from orders.models import CallbackEvent, Order, OrderItem


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

    def has_add_permission(self, request):
        return False


@admin.register(CallbackEvent)
class CallbackEventAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ("received_at", "merchant", "type", "event_id", "handled_at")
    list_filter = ("type",)
    readonly_fields = [field.name for field in CallbackEvent._meta.fields]

    def has_add_permission(self, request):
        return False
