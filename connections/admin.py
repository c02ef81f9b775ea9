from django.contrib import admin

from accounts.support import SupportScoped
from connections.models import EvotorConnection, VkConnection


@admin.register(EvotorConnection)
class EvotorConnectionAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ["merchant", "status", "source", "installed", "connected_at", "last_checked_at"]
    list_filter = ["status", "source", "installed"]
    search_fields = ["merchant__email", "evotor_user_id"]
    exclude = ["token"]
    readonly_fields = ["connected_at", "last_checked_at"]


@admin.register(VkConnection)
class VkConnectionAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ["merchant", "status", "source", "group_name", "group_id", "connected_at", "last_checked_at"]
    list_filter = ["status", "source"]
    search_fields = ["merchant__email", "group_name", "group_screen_name"]
    exclude = ["access_token", "refresh_token", "device_id", "community_token", "callback_secret", "callback_path"]
    readonly_fields = ["connected_at", "last_checked_at", "token_expires_at", "callback_confirmed_at"]
