"""Accounts, mail and SMS settings."""

import environ

env = environ.Env()

INVITE_EXPIRE_HOURS = env.int("INVITE_EXPIRE_HOURS", default=48)

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

# django-allauth: email is the login.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True

# django-axes: failed logins are limited per account and address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# django-guardian: no anonymous user row; only owners and staff get object rights.
ANONYMOUS_USER_NAME = None
