"""Merchant pages that allauth doesn't have: resend confirmation, invites, the profile."""

from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import services, team, team_roles
from accounts.access import shop_permission, shop_permissions
from accounts.forms import InviteAcceptForm, PasswordConfirmForm, ProfileForm, ResendConfirmationForm
from accounts.models import Invite, User
from audit.selectors import events_of

login = allauth_views.LoginView.as_view()
logout = allauth_views.LogoutView.as_view()


def home(request):
    """A merchant goes to their pages; a visitor reads what EvoSync does, with sign-up and log-in."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)  # the guided start until set up, then the sync page
    return render(request, "accounts/landing.html")


@require_http_methods(["GET", "POST"])
def resend_confirmation(request):
    """Send the confirmation mail again; the answer doesn't tell whether the address is registered."""
    form = ResendConfirmationForm(request.POST or None, initial={"email": request.GET.get("email", "")})
    if request.method == "POST" and form.is_valid():
        outcome = services.resend_confirmation(request=request, email=form.cleaned_data["email"])
        if outcome == services.RESEND_THROTTLED:
            messages.error(request, "Письмо уже отправлено недавно. Подождите несколько минут и попробуйте снова.")
        else:
            messages.success(
                request,
                "Если аккаунт с этим email ждёт подтверждения, мы отправили письмо ещё раз. "
                "Уже подтверждали адрес? Просто войдите.",
            )
        return redirect("resend_confirmation")
    return render(request, "accounts/resend_confirmation.html", {"form": form})


INVITE_SESSION_KEY = "accounts_invite_token"


def invite_link(request, token):
    """The link from the mail: keep the token in the session and move to /invite, so it stays out of
    Referer headers and of anything that logs later requests."""
    request.session[INVITE_SESSION_KEY] = token
    return redirect("invite")


@require_http_methods(["GET", "POST"])
def invite_accept(request):
    """Finish a staff invite: set a name and a password, once, before the link expires."""
    invite = Invite.objects.by_token(request.session.get(INVITE_SESSION_KEY, ""))
    if invite is None:
        return _invite_unusable(request, "unknown", status=404)
    if invite.is_used:
        return _invite_unusable(request, "used")
    if invite.is_expired:
        return _invite_unusable(request, "expired")
    existing = User.objects.filter(email__iexact=invite.email).first()
    if existing is not None and existing.status != User.Status.PENDING:
        return _invite_unusable(request, "exists")
    initial = {"full_name": existing.full_name, "phone": existing.phone} if existing else {}
    form = InviteAcceptForm(request.POST or None, email=invite.email, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invite(
                invite=invite,
                full_name=form.cleaned_data["full_name"],
                phone=form.cleaned_data["phone"],
                password=form.cleaned_data["password1"],
            )
        except services.InviteUnusable:
            return _invite_unusable(request, "used")
        auth_login(request, user, backend="accounts.backends.EmailStatusBackend")
        messages.success(request, "Добро пожаловать в EvoSync! Аккаунт готов.")
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/invite.html", {"form": form, "invite": invite})


def _invite_unusable(request, reason, status=410):
    return render(request, "accounts/invite_unusable.html", {"reason": reason}, status=status)


HISTORY_PER_PAGE = 20


@login_required
def profile(request):
    return render(request, "accounts/profile.html", {"may_delete": may_delete_account(request.user)})


def may_delete_account(user) -> bool:
    """Not when their account is a shop whose team took the owner's rights from them: that is an owner's act."""
    return team_roles.DELETE in shop_permissions(user, user) or not team.members(user)


@shop_permission(team_roles.VIEW)
def profile_history(request):
    """«История действий»: what happened to the current shop, who of the team did it and from where, paged."""
    page = Paginator(events_of(request.shop), HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "retention_days": settings.AUDIT_RETENTION_DAYS}
    return render(request, "accounts/profile_history.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        services.update_profile(user=request.user, **{name: form.cleaned_data[name] for name in form.Meta.fields})
        messages.success(request, "Профиль сохранён.")
        return redirect("profile")
    return render(request, "accounts/profile_edit.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def profile_delete(request):
    """Delete the merchant's account after the password; staff are deleted by staff, in the admin."""
    user = request.user
    if user.is_staff:
        return render(request, "accounts/profile_delete.html", {"staff": True}, status=403)
    if not may_delete_account(user):
        raise PermissionDenied("deleting this shop is an owner's right")
    form = PasswordConfirmForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        services.delete_account(user=user)
        auth_logout(request)
        messages.success(request, "Аккаунт удалён вместе с подключениями и каталогом.")
        return redirect("account_login")
    return render(request, "accounts/profile_delete.html", {"form": form})
