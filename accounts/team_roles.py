"""A shop's team: who may do what on a merchant's shop, as django-guardian object permissions on the shop.

The shop is the merchant's account (accounts.User): every merchant object hangs off it by `merchant`. Each
permission below is declared on the User model and granted per shop (guardian's UserObjectPermission); a
team role is a set of them, and this table is the one place that says which.
"""

VIEW = "shop_view"  # every page of the shop: catalog, VK shop, sync, orders, exports
OPERATE = "shop_operate"  # stores and groups on/off, «Синхронизировать сейчас», confirmations, order statuses
CONNECTIONS = "shop_connections"  # the Evotor and VK connections
SETTINGS = "shop_settings"  # the sync settings
TEAM = "shop_team"  # invite, change roles, remove members
DELETE = "shop_delete"  # delete the shop (the owner's account)
SUPPORT = "shop_support"  # staff only: this merchant is theirs to look after in the admin

PERMISSIONS = [
    (VIEW, "Смотреть страницы магазина"),
    (OPERATE, "Управлять синхронизацией и заказами магазина"),
    (CONNECTIONS, "Менять подключения магазина"),
    (SETTINGS, "Менять настройки магазина"),
    (TEAM, "Управлять командой магазина"),
    (DELETE, "Удалить магазин"),
    (SUPPORT, "Поддержка продавца (сотрудник)"),
]
# Object permissions only: a group (a staff role) never holds them, held globally they would open every shop.
OBJECT_ONLY = {codename for codename, _ in PERMISSIONS}

VIEWER = "viewer"
MANAGER = "manager"
OWNER = "owner"

# role -> its permissions on the shop. Highest first.
ROLES = {
    OWNER: {VIEW, OPERATE, CONNECTIONS, SETTINGS, TEAM, DELETE},
    MANAGER: {VIEW, OPERATE},
    VIEWER: {VIEW},
}
ROLE_CHOICES = [
    (VIEWER, "смотрит"),
    (MANAGER, "управляет"),
    (OWNER, "владелец"),
]
ROLE_NAMES = dict(ROLE_CHOICES)
ROLE_HINTS = {
    VIEWER: "видит страницы, ничего не меняет",
    MANAGER: "включает магазины и группы, запускает синхронизацию, подтверждает планы, меняет статусы заказов",
    OWNER: "всё, включая подключения, настройки, команду и удаление",
}
TEAM_PERMISSIONS = set().union(*ROLES.values())


def role_of(permissions: set[str]) -> str | None:
    """The highest role whose permissions are all held (None: no role on this shop)."""
    return next((role for role, needed in ROLES.items() if needed <= permissions), None)
