"""The trail in the admin: read-only, filtered by merchant, actor (an email typed in), event and date."""

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from audit.models import AuditEvent

# auditlog's admin registers the log entry model it is told to use (ours); ours replaces it.
if admin.site.is_registered(AuditEvent):
    admin.site.unregister(AuditEvent)


BRIEF_ROWS = 3


def _short(row: tuple[str, str, str]) -> tuple[str, str, str]:
    return tuple(text if len(text) <= 60 else text[:59] + "…" for text in row)


class EmailFilter(admin.SimpleListFilter):
    """A box to type an email (or a part of it) in: with 10,000 merchants, a list of them would not do."""

    template = "admin/audit/email_filter.html"
    field = ""

    def lookups(self, request, model_admin):
        return [("", "")]  # the box, not choices; Django shows a filter only when it has lookups

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.field}__icontains": self.value().strip()})
        return queryset


class MerchantFilter(EmailFilter):
    title = "продавец (почта)"
    parameter_name = "merchant_email"
    field = "merchant_email"


class ActorFilter(EmailFilter):
    title = "кто (почта)"
    parameter_name = "actor_email"
    field = "actor_email"


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "timestamp",
        "event",
        "merchant_email",
        "who",
        "remote_addr",
        "summary_or_object",
        "changed_briefly",
    ]
    list_filter = [MerchantFilter, ActorFilter, "event", "timestamp"]
    date_hierarchy = "timestamp"
    search_fields = ["merchant_email", "actor_email", "summary", "object_repr"]
    list_select_related = ["content_type"]
    list_per_page = 50
    show_facets = admin.ShowFacets.NEVER  # counting every filter's choices over a year of events is not worth it

    class Media:
        css = {"all": ["css/admin-staff.css"]}

    fields = [
        "timestamp",
        "event",
        "merchant_link",
        "who",
        "remote_addr",
        "summary",
        "object_repr",
        "changed",
    ]
    readonly_fields = fields

    @admin.display(description="кто", ordering="actor_email")
    def who(self, event):
        return event.actor_label

    @admin.display(description="что")
    def summary_or_object(self, event):
        return event.summary or event.object_repr

    @admin.display(description="было → стало")
    def changed(self, event):
        rows = event.before_after()
        if not rows:
            return "—"
        return format_html_join(mark_safe("<br>"), "{}: {} → {}", rows)  # noqa: S308 - a constant tag

    @admin.display(description="было → стало")
    def changed_briefly(self, event):
        rows = event.before_after()
        if not rows:
            return "—"
        shown = format_html_join(mark_safe("<br>"), "{}: {} → {}", [_short(row) for row in rows[:BRIEF_ROWS]])  # noqa: S308
        more = len(rows) - BRIEF_ROWS
        return format_html("{}<br>и ещё {}", shown, more) if more > 0 else shown

    @admin.display(description="продавец")
    def merchant_link(self, event):
        if event.merchant_id is None:
            return event.merchant_email or "—"
        return format_html('<a href="/admin/accounts/user/{}/change/">{}</a>', event.merchant_id, event.merchant_email)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
