"""Staff view of the VK shop cache: albums and items as EvoSync last read them."""

from django.contrib import admin

from accounts.support import SupportScoped
from vkshop.models import VkAlbum, VkItem


@admin.register(VkAlbum)
class VkAlbumAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ["title", "merchant", "group_id", "vk_id", "count", "is_main", "is_hidden", "refreshed_at"]
    list_filter = ["is_main", "is_hidden"]
    search_fields = ["title", "merchant__email", "=group_id", "=vk_id"]
    list_select_related = ["merchant"]
    readonly_fields = ["refreshed_at"]


@admin.register(VkItem)
class VkItemAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ["title", "merchant", "group_id", "vk_id", "sku", "price", "availability", "date", "refreshed_at"]
    list_filter = ["availability"]
    search_fields = ["title", "sku", "merchant__email", "=group_id", "=vk_id"]
    list_select_related = ["merchant"]
    readonly_fields = ["refreshed_at"]
