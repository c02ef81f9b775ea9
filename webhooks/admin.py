from django.contrib import admin

from accounts.support import SupportScoped
from webhooks.models import EvotorLinkRequest, EvotorSubscription, WebhookEvent


@admin.register(WebhookEvent)
class WebhookEventAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ["received_at", "kind", "event_type", "evotor_user_id", "sequence_number", "applied", "note"]
    list_filter = ["kind", "event_type", "applied"]
    search_fields = ["evotor_user_id", "event_id"]
    readonly_fields = [f.name for f in WebhookEvent._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(EvotorSubscription)
class EvotorSubscriptionAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ["subscription_id", "evotor_user_id", "plan_id", "status", "last_sequence_number", "updated_at"]
    list_filter = ["status"]
    search_fields = ["subscription_id", "evotor_user_id"]
    readonly_fields = [f.name for f in EvotorSubscription._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(EvotorLinkRequest)
class EvotorLinkRequestAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ["created_at", "merchant", "evotor_user_id", "status", "expires_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["evotor_user_id", "merchant__email"]
    readonly_fields = [f.name for f in EvotorLinkRequest._meta.fields if f.name != "token_hash"]
    exclude = ["token_hash"]

    def has_add_permission(self, request):
        return False
