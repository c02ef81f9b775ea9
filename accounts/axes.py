"""django-axes hooks: which login was tried (allauth passes `email=`, the admin `username=`), the lockout page."""

from django.conf import settings
from django.shortcuts import render


def attempted_login(request, credentials=None) -> str | None:
    credentials = credentials or {}
    login = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if not login and request is not None:
        data = getattr(request, "data", None) or request.POST
        login = data.get("login") or data.get("username")
    return login.strip().lower() if login else None


def lockout_response(request, original_response=None, credentials=None):
    """The page shown once axes locks an account + address: what happened and when to retry."""
    minutes = max(1, round(float(settings.AXES_COOLOFF_TIME) * 60))
    context = {"username": attempted_login(request, credentials), "minutes": minutes}
    return render(request, "account/lockout.html", context, status=429)
