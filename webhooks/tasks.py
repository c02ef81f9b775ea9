"""Thin Celery tasks of the webhooks: the merchant's mails about their Evotor link, retried while the mail
server is unreachable (a webhook never waits on a mail server, and a hiccup loses no mail)."""

import smtplib

from celery import shared_task

from webhooks import mails

RETRIES = {"autoretry_for": (smtplib.SMTPException, OSError), "retry_backoff": 60, "max_retries": 6}


@shared_task(name="webhooks.mail_merchant", ignore_result=True, **RETRIES)
def mail_merchant(kind: str, merchant_id: int, context: dict) -> None:
    """One mail about the account's Evotor link or token."""
    mails.send(kind=kind, merchant_id=merchant_id, context=context)


@shared_task(name="webhooks.mail_link_request", ignore_result=True, **RETRIES)
def mail_link_request(link_request_id: int) -> None:
    """The mail with the one-time link to confirm or refuse an Evotor link request."""
    mails.send_link_request(link_request_id=link_request_id)
