"""Writes on a shop's team: the role each person has on a shop (guardian object permissions, the sets of
accounts.team_roles), invitations by mail (a signed link that expires), role changes and removals. A shop
always keeps an owner. Every change goes on the audit trail (accounts.audit_trail)."""

from dataclasses import dataclass
from datetime import timedelta

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from guardian.models import UserObjectPermission

from accounts import audit_trail, team_roles
from accounts.models import TeamInvite, User

INVITE_SALT = "accounts.team.invite"


class LastOwner(Exception):
    """The change would leave the shop without an owner."""


class InviteUnusable(Exception):
    """The invitation was revoked, accepted already, has expired, or is for another address."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Member:
    user: User
    role: str | None

    @property
    def role_name(self) -> str:
        return team_roles.ROLE_NAMES.get(self.role, "—")


def _shop_rows(shop: User):
    return UserObjectPermission.objects.filter(
        content_type=ContentType.objects.get_for_model(User),
        object_pk=str(shop.pk),
        permission__codename__in=team_roles.TEAM_PERMISSIONS,
    )


def _set_permissions(*, shop: User, member: User, codenames: set[str]) -> None:
    """Exactly `codenames` of the team's permissions for `member` on `shop` (guardian's rows)."""
    _shop_rows(shop).filter(user=member).exclude(permission__codename__in=codenames).delete()
    user_type = ContentType.objects.get_for_model(User)
    permissions = Permission.objects.filter(content_type=user_type, codename__in=codenames)
    UserObjectPermission.objects.bulk_create(
        [
            UserObjectPermission(user=member, permission=p, content_type=user_type, object_pk=str(shop.pk))
            for p in permissions
        ],
        ignore_conflicts=True,
    )


def members(shop: User) -> list[Member]:
    """Everyone with a role on `shop`, owners first, then by email."""
    held: dict[int, set[str]] = {}
    for user_id, codename in _shop_rows(shop).values_list("user_id", "permission__codename"):
        held.setdefault(user_id, set()).add(codename)
    users = User.objects.filter(pk__in=held)
    found = [Member(user=user, role=team_roles.role_of(held[user.pk])) for user in users]
    order = list(team_roles.ROLES)
    return sorted(found, key=lambda m: (order.index(m.role) if m.role in order else len(order), m.user.email))


def role_on(shop: User, user: User) -> str | None:
    return team_roles.role_of(set(_shop_rows(shop).filter(user=user).values_list("permission__codename", flat=True)))


def _owners(shop: User) -> set[int]:
    owner_permissions = team_roles.ROLES[team_roles.OWNER]
    rows = (
        _shop_rows(shop)
        .filter(permission__codename__in=owner_permissions)
        .values_list("user_id", "permission__codename")
    )
    held: dict[int, set[str]] = {}
    for user_id, codename in rows:
        held.setdefault(user_id, set()).add(codename)
    return {user_id for user_id, codenames in held.items() if codenames >= owner_permissions}


def open_own_shop(*, user: User) -> None:
    """A new account owns its own shop (an account made to join a team owns none)."""
    _set_permissions(shop=user, member=user, codenames=team_roles.ROLES[team_roles.OWNER])


@transaction.atomic
def change_role(*, shop: User, member: User, role: str) -> None:
    """Give `member` `role` on `shop`; refused (LastOwner) when it would leave the shop without an owner."""
    if role not in team_roles.ROLES:
        raise ValueError(f"unknown team role {role!r}")
    User.objects.select_for_update().filter(pk=shop.pk).first()  # one change of a shop's team at a time
    before = role_on(shop, member)
    if before == role:
        return
    if before == team_roles.OWNER and _owners(shop) == {member.pk}:
        raise LastOwner
    _set_permissions(shop=shop, member=member, codenames=team_roles.ROLES[role])
    audit_trail.team_role_changed(shop=shop, member=member, before=before, after=role)


@transaction.atomic
def remove_member(*, shop: User, member: User) -> None:
    """Take every team permission on `shop` from `member`; the last owner stays (LastOwner)."""
    User.objects.select_for_update().filter(pk=shop.pk).first()
    before = role_on(shop, member)
    if before is None:
        return
    if member.pk in _owners(shop) and _owners(shop) == {member.pk}:
        raise LastOwner
    _shop_rows(shop).filter(user=member).delete()
    audit_trail.team_member_removed(shop=shop, member=member, role=before)


def invite_member(*, shop: User, email: str, role: str, invited_by: User) -> TeamInvite:
    """Make an invitation to `shop` with `role` and mail its signed link; an open one to that address ends."""
    if role not in team_roles.ROLES:
        raise ValueError(f"unknown team role {role!r}")
    now = timezone.now()
    email = email.strip().lower()
    with transaction.atomic():
        TeamInvite.objects.pending().filter(shop=shop, email=email).update(revoked_at=now)
        invite = TeamInvite.objects.create(
            shop=shop,
            email=email,
            role=role,
            invited_by=invited_by,
            created_at=now,
            expires_at=now + timedelta(hours=settings.TEAM_INVITE_EXPIRE_HOURS),
        )
        audit_trail.team_invite_sent(invite=invite)
    context = {
        "invite": invite,
        "invite_url": settings.BASE_URL + reverse("team_invite_link", args=[invite_token(invite)]),
        "expire_hours": settings.TEAM_INVITE_EXPIRE_HOURS,
        "inviter": invited_by.get_full_name(),
        "shop_name": shop.get_full_name(),
        "role": team_roles.ROLE_NAMES[role],
        "hint": team_roles.ROLE_HINTS[role],
    }
    language = getattr(User.objects.filter(email__iexact=email).first(), "language", shop.language)

    def send():
        with translation.override(language):
            get_adapter().send_mail("accounts/email/team_invite", email, context)

    transaction.on_commit(send)
    return invite


def invite_token(invite: TeamInvite) -> str:
    return signing.dumps(invite.pk, salt=INVITE_SALT)


def invite_by_token(token: str) -> TeamInvite:
    """The invitation a link names; InviteUnusable when the link is forged, expired, accepted or revoked."""
    try:
        pk = signing.loads(token, salt=INVITE_SALT, max_age=timedelta(hours=settings.TEAM_INVITE_EXPIRE_HOURS))
    except signing.SignatureExpired:
        raise InviteUnusable("expired") from None
    except signing.BadSignature:
        raise InviteUnusable("unknown") from None
    invite = TeamInvite.objects.select_related("shop").filter(pk=pk).first()
    if invite is None or invite.revoked_at is not None:
        raise InviteUnusable("revoked")
    if invite.accepted_at is not None:
        raise InviteUnusable("used")
    if invite.expires_at <= timezone.now():
        raise InviteUnusable("expired")
    return invite


@transaction.atomic
def accept_invite(*, invite: TeamInvite, user: User) -> None:
    """`user` joins the invite's shop with its role (a role they already hold there that is higher stays)."""
    if user.email.lower() != invite.email.lower():
        raise InviteUnusable("other_email")
    claimed = TeamInvite.objects.pending().filter(pk=invite.pk).update(accepted_at=timezone.now(), accepted_by=user)
    if not claimed:
        raise InviteUnusable("used")
    order = list(team_roles.ROLES)
    held = role_on(invite.shop, user)
    if held is None or order.index(invite.role) < order.index(held):
        _set_permissions(shop=invite.shop, member=user, codenames=team_roles.ROLES[invite.role])
    audit_trail.team_invite_accepted(invite=invite, user=user)


@transaction.atomic
def revoke_invite(*, invite: TeamInvite) -> bool:
    """End a pending invitation; False when it was no longer pending."""
    revoked = TeamInvite.objects.pending().filter(pk=invite.pk).update(revoked_at=timezone.now())
    if revoked:
        audit_trail.team_invite_revoked(invite=invite)
    return bool(revoked)
