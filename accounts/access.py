"""The one way a merchant page learns whose shop it shows and what the person may do there.

A shop is a merchant's account; a person reaches it through the guardian object permissions given to them on
it (accounts.team_roles). `shop_permission(perm)` wraps every merchant view: it logs the visitor in, finds the
current shop (`current_shop`: the one picked in the header, kept in the session; else their own; else the first
they belong to), answers 403 without `perm` on it, and leaves the shop on `request.shop` for the view to use as
"the merchant". Objects are then fetched with `accounts.ownership` against `request.shop`.
"""

from functools import wraps

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from guardian.models import UserObjectPermission
from guardian.shortcuts import get_user_perms

from accounts import team_roles

SHOP_SESSION_KEY = "accounts_shop_id"


def shop_permissions(user, shop) -> frozenset[str]:
    """The team permissions `user` holds on `shop`: given to them on that very shop (guardian), never by a
    role group or the superuser flag (staff act on merchants in the admin)."""
    if shop is None or not user.is_authenticated:
        return frozenset()
    return frozenset(get_user_perms(user, shop)) & team_roles.TEAM_PERMISSIONS


def grants_of(request) -> dict[int, frozenset[str]]:
    """Every shop the person holds a team permission on, with those permissions: one query, kept on the request."""
    if not hasattr(request, "_shop_grants"):
        grants: dict[int, set[str]] = {}
        if request.user.is_authenticated and request.user.is_active:
            rows = UserObjectPermission.objects.filter(
                user=request.user,
                content_type=ContentType.objects.get_for_model(get_user_model()),
                permission__codename__in=team_roles.TEAM_PERMISSIONS,
            ).values_list("object_pk", "permission__codename")
            for object_pk, codename in rows:
                grants.setdefault(int(object_pk), set()).add(codename)
        request._shop_grants = {pk: frozenset(codenames) for pk, codenames in grants.items()}
    return request._shop_grants


def shops_of(user):
    """Every shop `user` may open, by email: the shops of their own grants (guardian's rows; the ids are matched
    in Python, as guardian's own `get_objects_for_user` casts them in SQL, which MariaDB refuses across collations)."""
    if not user.is_authenticated:
        return get_user_model().objects.none()
    rows = UserObjectPermission.objects.filter(
        user=user,
        content_type=ContentType.objects.get_for_model(get_user_model()),
        permission__codename=team_roles.VIEW,
    ).values_list("object_pk", flat=True)
    return get_user_model().objects.filter(pk__in=[int(pk) for pk in rows]).order_by("email")


def current_shop(request):
    """The shop this request acts on, or None when the person belongs to none. Kept on the request."""
    if not hasattr(request, "_shop"):
        request._shop = _resolve(request)
    return request._shop


def current_permissions(request) -> frozenset[str]:
    shop = current_shop(request)
    return grants_of(request).get(shop.pk, frozenset()) if shop is not None else frozenset()


def _resolve(request):
    """The shop picked in the header if still open to them, else their own, else the first they belong to."""
    user = request.user
    if not user.is_authenticated:
        return None
    openable = [pk for pk, codenames in grants_of(request).items() if team_roles.VIEW in codenames]
    picked = request.session.get(SHOP_SESSION_KEY)
    if picked is not None and picked not in openable:
        request.session.pop(SHOP_SESSION_KEY, None)  # removed from that team, or the shop is gone
        picked = None
    if picked is None:
        picked = user.pk if user.pk in openable else min(openable, default=None)
    if picked is None:
        return None
    return user if picked == user.pk else get_user_model().objects.filter(pk=picked).first()


def pick_shop(request, shop_id: int) -> bool:
    """Make `shop_id` the current shop if the person may open it."""
    if team_roles.VIEW not in grants_of(request).get(shop_id, frozenset()):
        return False
    request.session[SHOP_SESSION_KEY] = shop_id
    request.__dict__.pop("_shop", None)
    return True


def shop_permission(perm: str, *, post: str | None = None):
    """A merchant view that needs `perm` on the current shop (accounts.team_roles), and `post` too for a POST
    (a page anyone of the team reads whose form only some may send); sets `request.shop`. 403 otherwise."""

    def decorator(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            shop = current_shop(request)
            needed = {perm, post} if post and request.method == "POST" else {perm}
            if shop is None or not needed <= current_permissions(request):
                raise PermissionDenied("not allowed on the current shop")
            request.shop = shop
            return view(request, *args, **kwargs)

        return login_required(checked)

    return decorator


def can(request, perm: str) -> bool:
    """For templates and views: whether the person may do `perm` on the current shop."""
    return request.user.is_authenticated and perm in current_permissions(request)
