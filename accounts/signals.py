"""Signals that change an account's state: allauth's confirmation, and a new account's own shop."""

from allauth.account.signals import email_confirmed
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts import services, team
from accounts.models import User


@receiver(email_confirmed, dispatch_uid="accounts.activate_on_email_confirmed")
def activate_on_email_confirmed(sender, request, email_address, **kwargs):
    services.activate_on_email_confirmed(email_address=email_address)


@receiver(post_save, sender=User, dispatch_uid="accounts.open_own_shop")
def open_own_shop(sender, instance, created, raw=False, **kwargs):
    """Every new account owns its shop, as every account did before teams; one signed up from a colleague's
    invitation (`joins_team`, set by the sign-up) joins that team instead and owns none."""
    if created and not raw and not getattr(instance, "joins_team", False):
        team.open_own_shop(user=instance)
