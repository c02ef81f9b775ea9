"""Reads about accounts other apps share: who is a merchant in service, found by email."""

from django.contrib.auth import get_user_model


def merchants_in_service():
    """Every account EvoSync works for: all but the suspended ones, in a stable order.

    The one meaning of "all merchants": each app narrows it to those it can serve (a connection, sync on)."""
    User = get_user_model()
    return User.objects.exclude(status=User.Status.SUSPENDED).order_by("pk")


def merchant_by_email(email: str):
    """The account with this email (any case), or None."""
    return get_user_model().objects.filter(email__iexact=(email or "").strip()).first()
