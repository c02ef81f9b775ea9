"""Link requests: Evotor asked to link one of its users to an existing EvoSync account, and the account's
owner decides by the mailed link. One request (one mail) per account a day at most; each expires."""

import logging
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError
from django.utils import timezone

from connections.evotor.services import EvotorLinkConflict, evotor_link_user
from connections.models import EvotorConnection
from webhooks import mails, serial
from webhooks.models import EvotorLinkRequest

logger = logging.getLogger(__name__)
REQUEST_HOURS = 24
CONFIRMED, REFUSED, CONFLICT, EXPIRED, DECIDED = "confirmed", "refused", "conflict", "expired", "decided"


def request_link(*, merchant, evotor_user_id: str) -> EvotorLinkRequest | None:
    """Record a request to link the Evotor user to the merchant's account and queue its mail; run under the
    Evotor user's lock. None when no request is made: the account is suspended or linked to another Evotor
    user already, or it had a request in the last REQUEST_HOURS (a resend, or someone else trying)."""
    User = get_user_model()
    if merchant.status == User.Status.SUSPENDED:
        return None
    linked = EvotorConnection.objects.filter(merchant=merchant, evotor_user_id__gt="")
    if linked.exists():
        return None
    # Requests for one account one at a time (their Evotor users' locks differ); reads below lock too, so
    # they see what the previous holder committed.
    User.objects.select_for_update().filter(pk=merchant.pk).values_list("pk", flat=True).first()
    now = timezone.now()
    recent = EvotorLinkRequest.objects.select_for_update().filter(
        merchant=merchant, created_at__gt=now - timedelta(hours=REQUEST_HOURS)
    )
    if recent.values_list("pk", flat=True)[:1]:
        return None
    link_request = EvotorLinkRequest.objects.create(
        merchant=merchant,
        evotor_user_id=evotor_user_id,
        created_at=now,
        expires_at=now + timedelta(hours=REQUEST_HOURS),
    )
    logger.info("evotor link requested", extra={"merchant_id": merchant.pk, "link_request_id": link_request.pk})
    mails.link_requested(link_request_id=link_request.pk)
    return link_request


def by_token(token: str) -> EvotorLinkRequest | None:
    """The request whose mailed link carries `token`, if any."""
    if not token:
        return None
    return EvotorLinkRequest.objects.select_related("merchant").filter(token_hash=mails.hash_token(token)).first()


def decide(*, link_request: EvotorLinkRequest, confirm: bool) -> str:
    """The owner confirms (the Evotor user is linked to the account) or refuses; returns what happened:
    CONFIRMED, REFUSED, CONFLICT (the Evotor user or the account was linked elsewhere meanwhile), EXPIRED
    or DECIDED (already)."""
    return serial.for_evotor_user(
        link_request.evotor_user_id, lambda: _decide_locked(link_request_id=link_request.pk, confirm=confirm)
    )


def _decide_locked(*, link_request_id: int, confirm: bool) -> str:
    link_request = EvotorLinkRequest.objects.select_for_update().get(pk=link_request_id)
    if link_request.status != EvotorLinkRequest.Status.OPEN:
        return DECIDED
    if link_request.is_expired:
        return EXPIRED
    outcome = REFUSED
    if confirm:
        outcome = CONFIRMED
        try:
            evotor_link_user(merchant=link_request.merchant, evotor_user_id=link_request.evotor_user_id)
        except EvotorLinkConflict:
            outcome = CONFLICT
        except IntegrityError:  # the account's connection was made meanwhile: decide again, afresh
            raise serial.Again from None
    link_request.status = {
        CONFIRMED: EvotorLinkRequest.Status.CONFIRMED,
        REFUSED: EvotorLinkRequest.Status.REFUSED,
        CONFLICT: EvotorLinkRequest.Status.CONFLICT,
    }[outcome]
    link_request.decided_at = timezone.now()
    link_request.save(update_fields=["status", "decided_at"])
    logger.info("evotor link request decided", extra={"link_request_id": link_request.pk, "outcome": outcome})
    if outcome == CONFIRMED:
        mails.linked(merchant=link_request.merchant, evotor_user_id=link_request.evotor_user_id, how="confirmed")
    return outcome
