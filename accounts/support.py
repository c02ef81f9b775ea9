"""Support staff: a staff member of role `support` looks after the merchants assigned to them, and only those.

An assignment is guardian's object permission `accounts.shop_support` on the merchant (given by `admin` or
`system` on the merchant's admin page). Every admin of merchant data mixes in `SupportScoped`: its rows are
narrowed to the assigned merchants for support staff, while `admin` and `system` see every merchant.
"""

from functools import wraps

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm, remove_perm

from accounts import audit_trail, roles, team_roles

SUPPORT_PERM = f"accounts.{team_roles.SUPPORT}"


def sees_all_merchants(user) -> bool:
    """Kept on the user object for the request, as Django's ModelBackend keeps `_perm_cache`: every admin
    queryset of a page asks."""
    if not user.is_active:
        return False
    if not hasattr(user, "_sees_all_merchants"):
        user._sees_all_merchants = user.is_superuser or user.groups.filter(name__in=roles.SEE_ALL_MERCHANTS).exists()
    return user._sees_all_merchants


def _support_rows():
    return UserObjectPermission.objects.filter(
        content_type=ContentType.objects.get_for_model(get_user_model()), permission__codename=team_roles.SUPPORT
    )


def supported_merchants(user) -> list[int]:
    """The ids of the merchants assigned to `user` as support (guardian's rows given to them; the ids are
    matched in Python: guardian's `get_objects_for_user` casts them in SQL, which MariaDB refuses across
    collations)."""
    return [int(pk) for pk in _support_rows().filter(user=user).values_list("object_pk", flat=True)]


def support_staff_of(merchant):
    """The staff assigned to look after `merchant`."""
    staff_ids = _support_rows().filter(object_pk=str(merchant.pk)).values("user_id")
    return get_user_model().objects.filter(pk__in=staff_ids).order_by("email")


def support_candidates():
    """Staff who may be assigned: role `support`."""
    return get_user_model().objects.filter(groups__name=roles.SUPPORT, is_active=True).order_by("email")


@transaction.atomic
def assign_support(*, merchant, staff: list) -> None:
    """Exactly `staff` look after `merchant` from now on; each change goes on the trail."""
    current = set(support_staff_of(merchant))
    wanted = set(staff)
    for person in sorted(wanted - current, key=lambda u: u.email):
        assign_perm(SUPPORT_PERM, person, merchant)
        audit_trail.support_assigned(merchant=merchant, staff=person, assigned=True)
    for person in sorted(current - wanted, key=lambda u: u.email):
        remove_perm(SUPPORT_PERM, person, merchant)
        audit_trail.support_assigned(merchant=merchant, staff=person, assigned=False)


def merchant_path(model, depth: int = 2) -> str | None:
    """The lookup from `model` to the merchant who owns a row: `pk` for the user, a foreign key to the user
    (`merchant`, `shop`, `user`), or up to two hops further (`store__merchant`, `run__merchant`); the audit
    trail's `merchant_id` column; None when rows belong to no merchant."""
    user_model = get_user_model()
    if model is user_model:
        return "pk"
    direct = {f.name for f in model._meta.concrete_fields if f.is_relation and f.related_model is user_model}
    for name in ("merchant", "shop", "user"):
        if name in direct:
            return name
    if depth:
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model not in (None, user_model, model):
                deeper = merchant_path(f.related_model, depth - 1)
                if deeper and deeper not in ("pk", "merchant_id"):
                    return f"{f.name}__{deeper}"
    if any(f.name == "merchant_id" for f in model._meta.concrete_fields):
        return "merchant_id"
    return None


class SupportScoped:
    """A ModelAdmin mixin: support staff see and act on their merchants' rows only (`merchant_lookup`, found
    by `merchant_path` unless set); `admin` and `system` see all."""

    merchant_lookup: str | None = ""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if sees_all_merchants(request.user):
            return queryset
        lookup = self.merchant_lookup if self.merchant_lookup != "" else merchant_path(self.model)
        if lookup is None:
            return queryset.none()
        return queryset.filter(**{f"{lookup}__in": supported_merchants(request.user)})


def all_merchants_only(view):
    """A staff page of figures over every merchant (the dashboard): `admin` and `system` only, not support."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not sees_all_merchants(request.user):
            raise PermissionDenied("figures over every merchant")
        return view(request, *args, **kwargs)

    return checked
