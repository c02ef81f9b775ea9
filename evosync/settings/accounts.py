"""Accounts, mail and SMS settings."""

import environ
from django.core.exceptions import ImproperlyConfigured
from python_ipware import IpWare

env = environ.Env()

INVITE_EXPIRE_HOURS = env.int("INVITE_EXPIRE_HOURS", default=48)
# How long a shop owner's invitation of a colleague (accounts.team) stays good: the link is signed with its time.
TEAM_INVITE_EXPIRE_HOURS = env.int("TEAM_INVITE_EXPIRE_HOURS", default=72)

# Mail: EMAIL_PROVIDER=console prints mails to the log; smtp sends through EMAIL_URL.
EMAIL_PROVIDER = env.str("EMAIL_PROVIDER", default="console")
EMAIL_URL = env.str("EMAIL_URL", default="smtp://localhost:25")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="EvoSync <noreply@evosync.local>")
if EMAIL_PROVIDER == "smtp":
    vars().update(env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

SMS_PROVIDER = env.str("SMS_PROVIDER", default="console")
JIVOSITE_WIDGET_ID = env.str("JIVOSITE_WIDGET_ID", default="")

# django-allauth: email is the login. The user's `status` is the gate (pending until the
# email is confirmed); allauth sends the mails, checks the links and keeps EmailAddress rows.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.signup_form.SignupExtraForm"
ACCOUNT_FORMS = {"reset_password": "accounts.forms.ResetPasswordForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# A taken email is a clear form error on /register (the issue asks for it), not a silent mail.
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = True
# Pending accounts never reach allauth's login stages, so AccountAdapter.confirm_email logs in instead.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[EvoSync] "
ACCOUNT_LOGOUT_REDIRECT_URL = "/login"
ACCOUNT_EMAIL_CONFIRMATION_ANONYMOUS_REDIRECT_URL = "/login"
ACCOUNT_EMAIL_CONFIRMATION_AUTHENTICATED_REDIRECT_URL = "/home"
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
# Failed logins are limited by django-axes (below); allauth's other limits (signup, resend, reset) stay.
ACCOUNT_RATE_LIMITS = {"login_failed": None}

# django-axes: failed logins are limited per account and address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"
# allauth authenticates with `email=`, the admin with `username=`: one callable reads both.
AXES_USERNAME_CALLABLE = "accounts.axes.attempted_login"
AXES_LOCKOUT_CALLABLE = "accounts.axes.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# The reverse proxies in front of `web` (README, "Behind a proxy"). Login throttling (axes) and allauth's rate
# limits key on the client's address: behind a proxy REMOTE_ADDR is the proxy's, shared by everyone, so the
# client is read from X-Forwarded-For through these proxies (accounts/client_ip.py). Default: no proxy is
# trusted, X-Forwarded-For is ignored and a forged one dodges nothing. TRUSTED_PROXY_IPS: one entry per proxy,
# the farthest first and the one connecting to `web` last; each an address, a network (CIDR) or a prefix.
# TRUSTED_PROXY_COUNT alone believes any connecting peer: only when `web` can be reached through the proxies only.
TRUSTED_PROXY_IPS = env.list("TRUSTED_PROXY_IPS", default=[])
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=len(TRUSTED_PROXY_IPS))
if TRUSTED_PROXY_COUNT < 0 or (TRUSTED_PROXY_IPS and TRUSTED_PROXY_COUNT != len(TRUSTED_PROXY_IPS)):
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more, and equal to the entries of TRUSTED_PROXY_IPS.")
try:
    IpWare(proxy_list=TRUSTED_PROXY_IPS)  # refuses what is no address, network or prefix: fail at start, not at login
except ValueError as error:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_IPS: {error}")
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"

# django-guardian: no anonymous user row; only owners and staff get object rights.
ANONYMOUS_USER_NAME = None
