"""What every page may show about the current shop (accounts.access), computed only when a template asks."""

from django.utils.functional import SimpleLazyObject

from accounts import access, team_roles

# The names templates use: `shop_can.operate`, `shop_can.team`, …
NAMES = {
    "view": team_roles.VIEW,
    "operate": team_roles.OPERATE,
    "connections": team_roles.CONNECTIONS,
    "settings": team_roles.SETTINGS,
    "team": team_roles.TEAM,
    "delete": team_roles.DELETE,
}


def shop(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def choices():
        """The shops of the header's switcher: shown only to someone who belongs to more than one."""
        openable = [pk for pk, codenames in access.grants_of(request).items() if team_roles.VIEW in codenames]
        return list(access.shops_of(user)) if len(openable) > 1 else []

    return {
        "current_shop": SimpleLazyObject(lambda: access.current_shop(request)),
        "shop_can": SimpleLazyObject(
            lambda: {name: perm in access.current_permissions(request) for name, perm in NAMES.items()}
        ),
        "shop_choices": SimpleLazyObject(choices),
    }
