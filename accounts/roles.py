"""Staff roles are Django groups; the flags and the permissions each role implies live here, in one table.

After every `migrate` (post_migrate, app by app, right after Django made that app's permissions) each role's
group is given what `PERMISSIONS` says it holds: a new app needs a line here, no data migration. It only adds:
what staff add on the admin's group page stays, and nothing is taken away but the shops' object permissions
(accounts.team_roles), which no group may hold.
"""

from django.contrib.auth.models import Group, Permission

from accounts import team_roles

SYSTEM = "system"
ADMIN = "admin"
SUPPORT = "support"
USER = "user"

# Highest first: a user in several role groups shows the highest one.
ROLES = [SYSTEM, ADMIN, SUPPORT, USER]
ROLE_CHOICES = [
    (SYSTEM, "system — все права"),
    (ADMIN, "admin — сотрудник"),
    (SUPPORT, "support — поддержка своих продавцов"),
    (USER, "user — продавец"),
]
# Staff roles that see every merchant in the admin; `support` sees only the merchants assigned to them.
SEE_ALL_MERCHANTS = {SYSTEM, ADMIN}

# role -> (is_staff, is_superuser)
FLAGS = {SYSTEM: (True, True), ADMIN: (True, False), SUPPORT: (True, False), USER: (False, False)}

EVERY = None  # every permission of the app: add, change, delete, view and the app's own
VIEW = ("view",)
VIEW_CHANGE = ("view", "change")

# Apps whose objects staff (`admin`) run from the admin.
SERVICE_APPS = [
    "accounts",
    "connections",
    "catalog",
    "vkshop",
    "vksync",
    "webhooks",
    "notifications",
    "orders",
    "account",
    "axes",
    "django_celery_beat",
]

# role -> {app label: the actions its group holds on every model of the app (EVERY: all the app's permissions)}.
# `system` is a superuser and holds every permission of every app (ALL_APPS).
ALL_APPS = "*"
PERMISSIONS: dict[str, dict[str, tuple[str, ...] | None] | str] = {
    SYSTEM: ALL_APPS,
    # The roles themselves (auth) are `system`'s to edit; the trail is read-only for everyone.
    ADMIN: {**dict.fromkeys(SERVICE_APPS, EVERY), "auth": VIEW, "audit": VIEW},
    # Support looks after their own merchants (accounts.support_shop on each, given in the admin): sees their
    # objects, changes what helping them takes (activate, connections, sync settings, orders); adds and
    # deletes nothing, and what they see is narrowed to their merchants (accounts.support).
    SUPPORT: {
        "accounts": VIEW_CHANGE,
        "connections": VIEW_CHANGE,
        "catalog": VIEW,
        "vkshop": VIEW,
        "vksync": VIEW_CHANGE,
        "webhooks": VIEW,
        "notifications": VIEW,
        "orders": VIEW_CHANGE,
        "audit": VIEW,
    },
    USER: {},
}


def permissions_of(role: str, app_label: str):
    """The permissions of `app_label` that `role`'s group holds, as a queryset."""
    table = PERMISSIONS[role]
    app_permissions = Permission.objects.filter(content_type__app_label=app_label)
    if app_label == "accounts":
        app_permissions = app_permissions.exclude(codename__in=team_roles.OBJECT_ONLY)
    if table == ALL_APPS:
        return app_permissions
    if app_label not in table:
        return app_permissions.none()
    actions = table[app_label]
    if actions is EVERY:
        return app_permissions
    return app_permissions.filter(codename__regex=rf"^({'|'.join(actions)})_")


def grant_role_permissions(*, app_label: str, using: str = "default") -> None:
    """Give every role's group the permissions of `app_label` the table says (making a missing group)."""
    object_only = Permission.objects.using(using).filter(
        content_type__app_label="accounts", codename__in=team_roles.OBJECT_ONLY
    )
    for role in ROLES:
        group, _ = Group.objects.using(using).get_or_create(name=role)
        group.permissions.add(*permissions_of(role, app_label).using(using))
        if app_label == "accounts":  # the one thing taken away: held by a group, a shop's right opens every shop
            group.permissions.remove(*object_only)


def grant_after_migrate(sender, app_config, using="default", **kwargs) -> None:
    """post_migrate, once per app: that app's permissions exist now (auth's receiver ran first)."""
    grant_role_permissions(app_label=app_config.label, using=using)
