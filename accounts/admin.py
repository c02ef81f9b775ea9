"""Staff run users, roles and invites here. accounts doesn't import connections or vksync:
their rows are reached through the reverse relations by name."""

import copy

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Max

from accounts import roles, services, support
from accounts.models import Invite, TeamInvite, User
from accounts.support import SupportScoped
from audit.admin import AuditEventAdmin
from audit.models import AuditEvent

CONNECTION_RELATIONS = [("evotor_connection", "Эвотор"), ("vk_connection", "VK")]


def has_sync_runs() -> bool:
    """The sync engine adds SyncRun (merchant FK, related_name="sync_runs"); the admin works before and after."""
    return hasattr(User, "sync_runs")


class RoleFormMixin(forms.Form):
    role = forms.ChoiceField(label="Роль", choices=roles.ROLE_CHOICES, initial=roles.USER)

    def clean_email(self):
        # Stored lower-case (User.save); checking uniqueness on the same form catches "Shop@" vs "shop@".
        return self.cleaned_data["email"].strip().lower()


class UserCreateForm(RoleFormMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name", "phone", "status", "language"]


class UserEditForm(RoleFormMixin, UserChangeForm):
    support_staff = forms.ModelMultipleChoiceField(
        label="Поддержка",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Сотрудники с ролью support, которые ведут этого продавца: в админке они видят только своих.",
    )

    class Meta:
        model = User
        fields = ["email", "password", "full_name", "phone", "status", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].initial = self.instance.role or roles.USER
        self.fields["support_staff"].queryset = support.support_candidates()
        if self.instance.pk:
            self.fields["support_staff"].initial = list(support.support_staff_of(self.instance))


class RoleFilter(admin.SimpleListFilter):
    title = "роль"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return roles.ROLE_CHOICES

    def queryset(self, request, queryset):
        if self.value() in roles.ROLES:
            return queryset.filter(groups__name=self.value())
        return queryset


class ConnectionFilter(admin.SimpleListFilter):
    """Filter on one connection: none, working, broken (the relation is named, not imported)."""

    relation = ""

    def lookups(self, request, model_admin):
        return [
            ("none", "нет"),
            ("any", "есть"),
            ("ok", "работает"),
            ("broken", "ошибка"),
            ("unchecked", "не проверено"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(**{f"{self.relation}__isnull": True})
        if self.value() == "any":
            return queryset.filter(**{f"{self.relation}__isnull": False})
        if self.value() in ("ok", "broken", "unchecked"):
            return queryset.filter(**{f"{self.relation}__status": self.value()})
        return queryset


class EvotorFilter(ConnectionFilter):
    title = "Эвотор"
    parameter_name = "evotor"
    relation = "evotor_connection"


class VkFilter(ConnectionFilter):
    title = "VK"
    parameter_name = "vk"
    relation = "vk_connection"


@admin.register(User)
class UserAdmin(SupportScoped, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    ordering = ["email"]
    list_display = [
        "email",
        "full_name",
        "status",
        "role_name",
        "connections",
        "last_sync",
        "date_joined",
        "last_login",
    ]
    list_editable = ["status"]
    list_filter = ["status", RoleFilter, EvotorFilter, VkFilter, "date_joined"]
    search_fields = ["email", "full_name", "phone"]
    readonly_fields = ["last_login", "date_joined", "is_staff", "is_superuser"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Профиль", {"fields": ["full_name", "phone", "language", "status"]}),
        ("Роль", {"fields": ["role", "is_staff", "is_superuser"]}),
        ("Поддержка", {"fields": ["support_staff"]}),
        ("Даты", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "phone", "status", "role", "language", "usable_password"]
                + ["password1", "password2"],
            },
        )
    ]
    actions = ["activate_users", "suspend_users", "send_password_reset", "send_invite", "delete_selected"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("groups")
        queryset = queryset.select_related(*(name for name, _ in CONNECTION_RELATIONS))
        if has_sync_runs():
            queryset = queryset.annotate(last_sync_at=Max("sync_runs__started_at"))
        return queryset

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not request.user.is_superuser:
            # Only `system` hands out staff roles; `admin` sees the role but can't change it.
            _disable(form, "role")
        if "support_staff" in form.base_fields and not support.sees_all_merchants(request.user):
            _disable(form, "support_staff")  # support staff don't assign support
        return form

    @admin.display(description="роль")
    def role_name(self, user):
        return dict(roles.ROLE_CHOICES).get(user.role, "—")  # «user — продавец»

    @admin.display(description="подключения")
    def connections(self, user):
        return ", ".join(f"{label}: {connection_state(user, name)}" for name, label in CONNECTION_RELATIONS)

    @admin.display(description="последняя синхронизация", ordering="last_sync_at")
    def last_sync(self, user):
        return getattr(user, "last_sync_at", None) or "—"

    def save_model(self, request, obj, form, change):
        status_changed = "status" in form.changed_data
        super().save_model(request, obj, form, change)
        if status_changed or not change:
            services.set_status(user=obj, status=obj.status)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        role = form.cleaned_data.get("role")
        if role and (role != form.instance.role or not change):
            services.set_role(user=form.instance, role=role)
        if "support_staff" in form.changed_data and support.sees_all_merchants(request.user):
            support.assign_support(merchant=form.instance, staff=list(form.cleaned_data["support_staff"]))

    @admin.action(description="Активировать", permissions=["change"])
    def activate_users(self, request, queryset):
        for user in queryset:
            services.activate(user=user)
        self.message_user(request, f"Активировано: {len(queryset)}.", messages.SUCCESS)

    @admin.action(description="Заблокировать", permissions=["change"])
    def suspend_users(self, request, queryset):
        users = [user for user in queryset if user.pk != request.user.pk]
        for user in users:
            services.suspend(user=user)
        self.message_user(request, f"Заблокировано: {len(users)}.", messages.SUCCESS)
        if len(users) < len(queryset):
            self.message_user(request, "Себя заблокировать нельзя.", messages.WARNING)

    @admin.action(description="Отправить ссылку для сброса пароля", permissions=["change"])
    def send_password_reset(self, request, queryset):
        sent = [user.email for user in queryset if services.send_password_reset(user=user, request=request)]
        skipped = [user.email for user in queryset if user.email not in sent]
        if sent:
            self.message_user(request, f"Ссылка для сброса пароля отправлена: {', '.join(sent)}.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"Не отправлено (аккаунт не активен — пригласите или активируйте): {', '.join(skipped)}.",
                messages.WARNING,
            )

    @admin.action(description="Отправить приглашение", permissions=["change"])
    def send_invite(self, request, queryset):
        pending = [user for user in queryset if user.status == User.Status.PENDING]
        for user in pending:
            services.invite(email=user.email, created_by=request.user, language=user.language)
        if pending:
            self.message_user(request, f"Приглашение отправлено: {', '.join(u.email for u in pending)}.")
        if len(pending) < len(queryset):
            self.message_user(
                request,
                "Приглашают только аккаунты «Ожидает подтверждения»; активным отправьте сброс пароля.",
                messages.WARNING,
            )


def connection_state(user, relation: str) -> str:
    try:
        connection = getattr(user, relation)
    except ObjectDoesNotExist:
        return "нет"
    return connection.get_status_display()


@admin.register(Invite)
class InviteAdmin(SupportScoped, admin.ModelAdmin):
    list_display = ["email", "state", "language", "created_by", "created_at", "expires_at", "used_at"]
    list_filter = ["created_at", "used_at"]
    search_fields = ["email"]
    fields = ["email", "language"]
    actions = ["send_again"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["email", "language", "state", "created_by", "created_at", "expires_at", "used_at"]

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else self.get_readonly_fields(request, obj)

    @admin.display(description="состояние")
    def state(self, invite):
        return invite.state

    def save_model(self, request, obj, form, change):
        if change:
            return
        services.issue_invite(invite=obj, created_by=request.user)
        self.message_user(request, f"Приглашение отправлено на {obj.email}.", messages.SUCCESS)

    @admin.action(description="Отправить приглашение заново (новая ссылка)", permissions=["add"])
    def send_again(self, request, queryset):
        for invite in queryset:
            services.invite(email=invite.email, created_by=request.user, language=invite.language)
        self.message_user(request, f"Новых приглашений: {len(queryset)}.", messages.SUCCESS)


@admin.register(TeamInvite)
class TeamInviteAdmin(SupportScoped, admin.ModelAdmin):
    """Merchants' invitations of colleagues: read-only here (the owner runs their team on «Команда»)."""

    list_display = ["email", "shop", "role", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role", "created_at"]
    search_fields = ["email", "shop__email"]
    list_select_related = ["shop", "invited_by"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in TeamInvite._meta.fields]

    def has_add_permission(self, request):
        return False


# The trail's admin lives in audit, which knows no merchants' support: narrowed here for support staff.
admin.site.unregister(AuditEvent)


@admin.register(AuditEvent)
class SupportScopedAuditEventAdmin(SupportScoped, AuditEventAdmin):
    pass


def _disable(form, name: str) -> None:
    """Disable a field of this request's form class only. A declared field is one object shared by every form
    class made from UserEditForm: set on it, `disabled` stayed for the next staff member in the process, whose
    role or support choice was then silently ignored."""
    form.base_fields[name] = copy.deepcopy(form.base_fields[name])
    form.base_fields[name].disabled = True
