"""allauth, fitted to EvoSync: status-gated login, links on BASE_URL, mails in the reader's language."""

import posixpath
from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import clear_login
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from axes import utils as axes_utils
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation

from accounts import roles, services
from accounts.client_ip import client_ip
from accounts.models import User

TEAM_INVITE_SESSION_KEY = "accounts_team_invite"  # accounts.team_views keeps the invitation's link there
MAIL_LANGUAGES = {"ru", "en"}
# Set at sign-up: the browser that signed up is logged in when it opens the confirmation link.
SIGNUP_SESSION_KEY = "accounts_signup_user_id"


def mail_language() -> str:
    """The active language (the browser's, or the one a caller overrode) if we have mails in it."""
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return language if language in MAIL_LANGUAGES else settings.LANGUAGE_CODE


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_taken": "Аккаунт с этим email уже есть. Войдите или восстановите пароль.",
    }

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.status = User.Status.PENDING
        user.language = mail_language()
        # Signing up from a colleague's invitation (accounts.team_views.join): the account joins that shop only.
        user.joins_team = bool(request.session.get(TEAM_INVITE_SESSION_KEY)) if request is not None else False
        if commit:
            user.save()
            services.set_role(user=user, role=roles.USER)
        return user

    def pre_login(self, request, user, **kwargs):
        """Pending accounts are sent the confirmation mail (on sign-up) or offered to resend it."""
        if not user.is_active:
            forgive_failed_login(request, user)
        if user.status == User.Status.PENDING:
            clear_login(request)
            if kwargs.get("signup"):
                address = EmailAddress.objects.get_for_user(user, user.email)
                address.send_confirmation(request, signup=True)
                request.session[SIGNUP_SESSION_KEY] = user.pk
                return redirect("account_email_verification_sent")
            return render(request, "account/pending.html", {"pending_email": user.email}, status=403)
        return super().pre_login(request, user, **kwargs)

    def confirm_email(self, request, email_address):
        """Confirming activates the account (signal); the browser that signed up is logged in too."""
        confirmed = super().confirm_email(request, email_address)
        user = email_address.user
        user.refresh_from_db(fields=["status", "is_active"])
        if confirmed and user.is_active and request.session.get(SIGNUP_SESSION_KEY) == user.pk:
            del request.session[SIGNUP_SESSION_KEY]
            self.login(request, user)
        return confirmed

    def get_client_ip(self, request):
        """allauth's rate limits key on the same address as axes: seen through the trusted proxies only."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def respond_user_inactive(self, request, user):
        return render(request, "account/account_inactive.html", {"inactive_user": user}, status=403)

    def get_email_confirmation_url(self, request, emailconfirmation):
        return settings.BASE_URL + reverse("account_confirm_email", args=[emailconfirmation.key])

    def get_reset_password_from_key_url(self, key):
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return settings.BASE_URL + path.replace("UID-KEY", key)

    def send_mail(self, template_prefix, email, context):
        """allauth's send_mail, minus its need for a request: invites also go out from tasks and commands."""
        site = SimpleNamespace(name="EvoSync", domain=urlsplit(settings.BASE_URL).netloc)
        ctx = {"request": allauth_context.request, "email": email, "current_site": site, **context}
        self.render_mail(template_prefix, email, ctx).send()

    def render_mail(self, template_prefix, email, context, headers=None):
        """Use `<dir>/<language>/<name>` templates when they exist (ru, en); allauth's own otherwise."""
        folder, name = posixpath.split(template_prefix)
        localized = posixpath.join(folder, mail_language(), name)
        try:
            get_template(f"{localized}_subject.txt")
            template_prefix = localized
        except TemplateDoesNotExist:
            pass
        return super().render_mail(template_prefix, email, context, headers=headers)


def forgive_failed_login(request, user):
    """Django reports a right password for an inactive account as a failed login, and axes counts it.
    The person knows the password, so it isn't a guess: don't let it lock them out."""
    axes_utils.reset(username=user.email)
    request.axes_locked_out = False
