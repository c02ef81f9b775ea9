"""What accounts writes to the audit trail: the user's model changes (through django-auditlog), and the
login, sign-up and confirmation events (Django's, allauth's and axes's signals)."""

from allauth.account.signals import email_confirmed, user_signed_up
from auditlog.models import LogEntry
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts import team_roles
from accounts.axes import attempted_login
from accounts.models import User
from accounts.selectors import merchant_by_email
from audit.context import current_actor
from audit.models import Event
from audit.services import record
from audit.tracking import track

ROLE_FIELDS = {"is_staff", "is_superuser", "groups"}
PROFILE_FIELDS = {"email", "full_name", "phone", "language"}


def user_event(user, action, changes) -> str | None:
    if action == LogEntry.Action.CREATE:
        # A visitor's sign-up, an invite or Evotor's /user/create say so themselves; staff adding one in the admin.
        return Event.ACCOUNT_CREATED if current_actor() is not None else None
    if action == LogEntry.Action.DELETE:
        return Event.ACCOUNT_DELETED
    if "status" in changes:
        return Event.STATUS_CHANGED
    if ROLE_FIELDS & set(changes):
        return Event.ROLE_CHANGED
    if "password" in changes:
        return Event.PASSWORD_CHANGED
    if PROFILE_FIELDS & set(changes):
        return Event.PROFILE_CHANGED
    return None


def track_users() -> None:
    track(
        User,
        fields=["email", "full_name", "phone", "language", "status", "is_staff", "is_superuser"],
        secret=("password",),
        m2m=("groups",),
        event=user_event,
        merchant=lambda user: user,
    )


@receiver(user_logged_in, dispatch_uid="accounts.audit.logged_in")
def logged_in(sender, request, user, **kwargs):
    record(event=Event.LOGIN, merchant=user, actor=user, summary=f"Вход: {user.email}")


@receiver(user_logged_out, dispatch_uid="accounts.audit.logged_out")
def logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(event=Event.LOGOUT, merchant=user, actor=user, summary=f"Выход: {user.email}")


@receiver(user_login_failed, dispatch_uid="accounts.audit.login_failed")
def login_failed(sender, credentials, request=None, **kwargs):
    """Only the login tried is kept (Django has cleansed the password out of `credentials` already)."""
    login = attempted_login(request, credentials) or "—"
    record(event=Event.LOGIN_FAILED, merchant=merchant_by_email(login), actor=None, summary=f"Неудачный вход: {login}")


@receiver(user_locked_out, dispatch_uid="accounts.audit.locked_out")
def locked_out(sender, request, username, ip_address, **kwargs):
    login = username or "—"
    record(
        event=Event.LOGIN_FAILED,
        merchant=merchant_by_email(login),
        actor=None,
        summary=f"Вход закрыт после неудачных попыток: {login}",
    )


@receiver(user_signed_up, dispatch_uid="accounts.audit.signed_up")
def signed_up(sender, request, user, **kwargs):
    record(event=Event.SIGNUP, merchant=user, actor=user, target=user, summary=f"Регистрация: {user.email}")


@receiver(email_confirmed, dispatch_uid="accounts.audit.email_confirmed")
def confirmed(sender, request, email_address, **kwargs):
    user = email_address.user
    # The link's owner confirmed it (the request itself is anonymous until allauth logs them in).
    summary = f"Почта подтверждена: {email_address.email}"
    record(event=Event.EMAIL_CONFIRMED, merchant=user, actor=user, summary=summary)


# A shop's team (accounts.team): the shop is the merchant whose trail shows it; the actor is the request's user.


def _role(role: str | None) -> str:
    return team_roles.ROLE_NAMES.get(role, "нет")


def team_invite_sent(*, invite) -> None:
    record(
        event=Event.INVITE_SENT,
        merchant=invite.shop,
        target=invite,
        changes={"роль": [None, _role(invite.role)]},
        summary=f"Приглашение в команду отправлено на {invite.email} («{_role(invite.role)}»)",
    )


def team_invite_accepted(*, invite, user) -> None:
    record(
        event=Event.INVITE_ACCEPTED,
        merchant=invite.shop,
        actor=user,
        target=invite,
        changes={"роль": [None, _role(invite.role)]},
        summary=f"Приглашение в команду принято: {user.email} («{_role(invite.role)}»)",
    )


def team_invite_revoked(*, invite) -> None:
    record(
        event=Event.INVITE_REVOKED,
        merchant=invite.shop,
        target=invite,
        summary=f"Приглашение в команду отозвано: {invite.email}",
    )


def team_role_changed(*, shop, member, before, after) -> None:
    record(
        event=Event.ROLE_CHANGED,
        merchant=shop,
        target=member,
        changes={"роль в команде": [_role(before), _role(after)]},
        summary=f"Роль в команде: {member.email}: «{_role(before)}» → «{_role(after)}»",
    )


def team_member_removed(*, shop, member, role) -> None:
    record(
        event=Event.MEMBER_REMOVED,
        merchant=shop,
        target=member,
        changes={"роль в команде": [_role(role), None]},
        summary=f"Удалён из команды: {member.email} (был «{_role(role)}»)",
    )


def support_assigned(*, merchant, staff, assigned: bool) -> None:
    record(
        event=Event.SUPPORT_ASSIGNED,
        merchant=merchant,
        target=staff,
        changes={"поддержка": [None, staff.email] if assigned else [staff.email, None]},
        summary=f"{'Назначен' if assigned else 'Снят'} сотрудник поддержки: {staff.email}",
    )
