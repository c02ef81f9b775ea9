from django.contrib import admin

from accounts.support import SupportScoped
from notifications.models import Notice


@admin.register(Notice)
class NoticeAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ("created_at", "merchant", "channel", "subject", "status", "attempts", "sent_at")
    list_filter = ("channel", "status")
    search_fields = ("merchant__email", "subject", "key")
    readonly_fields = [field.name for field in Notice._meta.fields]

    def has_add_permission(self, request):
        return False
