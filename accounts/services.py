"""Writes on users and invites: roles, status, profile, account deletion, invitations."""

import secrets
from datetime import timedelta

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from accounts import roles
from accounts.models import Invite, User, hash_token
from audit.models import Event
from audit.services import record


def set_role(*, user: User, role: str) -> User:
    """Put `user` in exactly one role group and keep is_staff / is_superuser in step with it."""
    if role not in roles.ROLES:
        raise ValueError(f"unknown role {role!r}")
    group = Group.objects.get(name=role)
    user.groups.remove(*Group.objects.filter(name__in=roles.ROLES).exclude(pk=group.pk))
    user.groups.add(group)
    user.is_staff, user.is_superuser = roles.FLAGS[role]
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


def activate(*, user: User) -> User:
    """Make the account active; its email counts as confirmed from now on."""
    user.status = User.Status.ACTIVE
    user.save(update_fields=["status"])
    mark_email_verified(user=user)
    return user


def suspend(*, user: User) -> User:
    """Lock the account out: login, open sessions and the admin stop working (is_active goes False).
    Its open sessions end for good: the new session epoch changes their hash, so activating the
    account again does not bring them back."""
    user.status = User.Status.SUSPENDED
    user.session_epoch += 1
    user.save(update_fields=["status", "session_epoch"])
    return user


def set_status(*, user: User, status: str) -> User:
    if status == User.Status.ACTIVE:
        return activate(user=user)
    if status == User.Status.SUSPENDED:
        return suspend(user=user)
    user.status = status
    user.save(update_fields=["status"])
    return user


def mark_email_verified(*, user: User) -> None:
    """Record the user's email as confirmed in allauth's table (a staff activation vouches for it)."""
    EmailAddress.objects.filter(user=user).exclude(email__iexact=user.email).update(primary=False)
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})


def activate_on_email_confirmed(*, email_address: EmailAddress) -> None:
    """The confirmation link activates a pending account; a suspended one stays suspended."""
    user = email_address.user
    if user.status == User.Status.PENDING and email_address.email.lower() == user.email:
        user.status = User.Status.ACTIVE
        user.save(update_fields=["status"])


RESEND_SENT = "sent"
RESEND_NOTHING = "nothing"
RESEND_THROTTLED = "throttled"


def resend_confirmation(*, request, email: str) -> str:
    """Mail the confirmation link again to a pending account, at most once per allauth's cooldown."""
    email = email.strip().lower()
    if not ratelimit.consume(request, action="confirm_email", key=email):
        return RESEND_THROTTLED
    user = User.objects.filter(email__iexact=email, status=User.Status.PENDING).first()
    if user is None:
        return RESEND_NOTHING
    address, _ = EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"primary": True})
    address.send_confirmation(request, signup=False)
    return RESEND_SENT


def update_profile(
    *, user: User, full_name: str, phone: str, language: str, notify_by_mail: bool = True, notify_by_vk: bool = False
) -> User:
    """The merchant's name, phone, language and the channels of their notifications."""
    user.full_name, user.phone, user.language = full_name, phone, language
    user.notify_by_mail, user.notify_by_vk = notify_by_mail, notify_by_vk
    user.save(update_fields=["full_name", "phone", "language", "notify_by_mail", "notify_by_vk"])
    return user


def delete_account(*, user: User) -> None:
    """Delete a merchant and, by cascade, their connections, tokens, catalog and VK cache."""
    if user.is_staff or user.is_superuser:
        raise PermissionDenied("Staff accounts are deleted by another staff member in the admin.")
    user.delete()


def send_password_reset(*, user: User, request) -> bool:
    """Mail `user` allauth's password reset link, in their language. False when the account can't reset."""
    from accounts.forms import ResetPasswordForm

    with translation.override(user.language):
        form = ResetPasswordForm(data={"email": user.email})
        if not form.is_valid():
            return False
        form.save(request)
    return True


def invite(*, email: str, created_by: User | None, language: str = "ru") -> Invite:
    """Create an invite for `email` and mail its link; older open invites for that email stop working."""
    return issue_invite(invite=Invite(email=email, language=language), created_by=created_by)


def issue_invite(*, invite: Invite, created_by: User | None) -> Invite:
    """Fill in and save an unsaved Invite, then mail its one-time link (the token exists only in the mail)."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invite.email = invite.email.strip().lower()
    invite.token_hash = hash_token(token)
    invite.created_by = created_by
    invite.created_at = now
    invite.expires_at = now + timedelta(hours=settings.INVITE_EXPIRE_HOURS)
    with transaction.atomic():
        Invite.objects.open().filter(email=invite.email).update(expires_at=now)
        invite.save()
    context = {
        "invite_url": settings.BASE_URL + reverse("invite_link", args=[token]),
        "expire_hours": settings.INVITE_EXPIRE_HOURS,
        "invite": invite,
    }

    def send():
        with translation.override(invite.language):
            get_adapter().send_mail("accounts/email/invite", invite.email, context)

    transaction.on_commit(send)
    record(
        event=Event.INVITE_SENT,
        merchant=User.objects.filter(email__iexact=invite.email).first(),
        target=invite,
        summary=f"Приглашение отправлено на {invite.email}",
    )
    return invite


class InviteUnusable(Exception):
    """The invite was used already, has expired, or its account is suspended."""


@transaction.atomic
def accept_invite(*, invite: Invite, full_name: str, phone: str, password: str) -> User:
    """Create (or finish) the invited account, set its password and activate it. Works once."""
    claimed = Invite.objects.open().filter(pk=invite.pk).update(used_at=timezone.now())
    if not claimed:
        raise InviteUnusable("used or expired")
    user = User.objects.filter(email__iexact=invite.email).first()
    if user is not None and user.status != User.Status.PENDING:
        raise InviteUnusable("the account already exists")
    if user is None:
        user = User(email=invite.email, language=invite.language)
    user.full_name, user.phone = full_name, phone
    user.set_password(password)
    user.save()
    activate(user=user)
    if user.role is None:
        set_role(user=user, role=roles.USER)
    record(
        event=Event.INVITE_ACCEPTED,
        merchant=user,
        actor=user,
        target=invite,
        summary=f"Приглашение принято: {user.email}",
    )
    return user
