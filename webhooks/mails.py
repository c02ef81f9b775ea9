"""What the merchant is told about their account's Evotor link, by mail.

Every mail is its own task (webhooks.tasks), queued once the transaction commits and retried while the
mail server is unreachable. Mails render `webhooks/email/<language>/<kind>_{subject,message}.txt`.
"""

import hashlib
import logging
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from webhooks.models import EvotorLinkRequest

logger = logging.getLogger(__name__)
LINKED, TOKEN_CHANGED, LINK_REQUEST = "evotor_linked", "evotor_token_changed", "link_request"
LANGUAGES = {"ru", "en"}
# Accounts Evotor made without an email get an address here: nobody reads it.
PLACEHOLDER_DOMAIN = "evotor.evosync.local"


def hash_token(token: str) -> str:
    """Link tokens are stored as their SHA-256: a leaked table confirms nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


def is_placeholder(email: str) -> bool:
    return email.lower().endswith("@" + PLACEHOLDER_DOMAIN)


def linked(*, merchant, evotor_user_id: str, how: str) -> None:
    """An Evotor user was linked to the account; `how`: "created" (the account was made for it),
    "password" (/user/verify), "confirmed" (the owner confirmed a link request)."""
    _queue(LINKED, merchant, {"evotor_user_id": evotor_user_id, "how": how})


def token_changed(*, merchant, evotor_user_id: str) -> None:
    """Evotor sent a different cloud token for the account: the catalog is read with it from now on."""
    _queue(TOKEN_CHANGED, merchant, {"evotor_user_id": evotor_user_id})


def link_requested(*, link_request_id: int) -> None:
    from webhooks.tasks import mail_link_request

    transaction.on_commit(lambda: mail_link_request.delay(link_request_id))


def _queue(kind: str, merchant, context: dict) -> None:
    from webhooks.tasks import mail_merchant

    if not is_placeholder(merchant.email):
        transaction.on_commit(lambda: mail_merchant.delay(kind, merchant.pk, context))


def send(*, kind: str, merchant_id: int, context: dict) -> bool:
    """Render and send one mail to the merchant now; False when there is nobody to send it to."""
    merchant = get_user_model().objects.filter(pk=merchant_id).first()
    if merchant is None or is_placeholder(merchant.email):
        return False
    _send(kind, merchant, context)
    return True


def send_link_request(*, link_request_id: int) -> bool:
    """Mail the owner a fresh one-time link to confirm or refuse the request; False if it is no longer open.

    The token is made here, not when the request is made, so it never travels through the broker; a retried
    mail makes a new one and only the last mailed link works."""
    link_request = EvotorLinkRequest.objects.select_related("merchant").filter(pk=link_request_id).first()
    if link_request is None or not link_request.is_open or is_placeholder(link_request.merchant.email):
        return False
    token = secrets.token_urlsafe(32)
    EvotorLinkRequest.objects.filter(pk=link_request.pk).update(token_hash=hash_token(token))
    context = {
        "evotor_user_id": link_request.evotor_user_id,
        "link_url": settings.BASE_URL + reverse("evotor-link-request", args=[token]),
        "expires_at": timezone.localtime(link_request.expires_at),
    }
    _send(LINK_REQUEST, link_request.merchant, context)
    return True


def _send(kind: str, merchant, context: dict) -> None:
    language = merchant.language if merchant.language in LANGUAGES else "ru"
    context = {**context, "merchant": merchant, "base_url": settings.BASE_URL}
    with translation.override(language):
        subject = render_to_string(f"webhooks/email/{language}/{kind}_subject.txt", context)
        body = render_to_string(f"webhooks/email/{language}/{kind}_message.txt", context)
    send_mail(" ".join(subject.split()), body, None, [merchant.email], fail_silently=False)
    logger.info("evotor link mail sent", extra={"merchant_id": merchant.pk, "kind": kind})
