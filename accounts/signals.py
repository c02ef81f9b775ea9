"""allauth's signals that change an account's state."""

from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from accounts import services


@receiver(email_confirmed, dispatch_uid="accounts.activate_on_email_confirmed")
def activate_on_email_confirmed(sender, request, email_address, **kwargs):
    services.activate_on_email_confirmed(email_address=email_address)
