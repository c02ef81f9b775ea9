"""What Evotor's webhook calls do: link users, store cloud tokens, record and apply events."""

import base64
import hashlib
import hmac
import logging
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q

from audit.models import Event
from audit.services import record
from connections.evotor.client import parse_evotor_time
from connections.evotor.services import (
    EvotorLinkConflict,
    evotor_announce_push,
    evotor_announce_stock,
    evotor_announce_token,
    evotor_link_user,
    evotor_save_token,
    evotor_set_installed,
)
from connections.models import EvotorConnection
from webhooks import errors, linking, mails, serial
from webhooks.models import EvotorSubscription, WebhookEvent
from webhooks.stock_notices import StockNotice

logger = logging.getLogger(__name__)
# The event key is `<subscriptionId>:<sequenceNumber>` in 191 characters: longer ids would be cut, and two
# events of one subscription would then share a key.
SUBSCRIPTION_ID_MAX = 160
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


def api_token_for(evotor_user_id: str) -> str:
    """Our api token for an Evotor user: `<userId>.<HMAC>`, the same on every resend, at most 108 characters.

    The userId in front lets a call that carries the token (Evotor's legacy product push) find its user.
    """
    key = f"evosync-evotor-user-token:{settings.SECRET_KEY}".encode()
    digest = hmac.new(key, evotor_user_id.encode(), hashlib.sha256).digest()
    return f"{evotor_user_id}.{base64.urlsafe_b64encode(digest).decode().rstrip('=')}"


def connection_for_api_token(token: str) -> EvotorConnection | None:
    """The Evotor connection whose user we issued `token` to (checked in constant time), else None."""
    evotor_user_id, _, _ = token.rpartition(".")
    if not evotor_user_id or not hmac.compare_digest(token.encode(), api_token_for(evotor_user_id).encode()):
        return None
    return EvotorConnection.objects.filter(evotor_user_id=evotor_user_id).first()


def product_pushed(*, connection: EvotorConnection) -> bool:
    """Evotor pushed a product made on a terminal: the catalog is re-read soon (one refresh per quiet period).

    The push itself is not trusted as data: late, repeated or out-of-order pushes all end in the
    same refresh from the API. Returns False when the connection cannot be read (no token, app removed).
    """
    return evotor_announce_push(connection=connection)


def placeholder_email(evotor_user_id: str) -> str:
    """The address of an account Evotor made without an email: one per user id, whatever its case or
    underscores (the email column ignores case). Nobody reads it: no mail goes there."""
    local = "".join("_" + c.lower() if c.isupper() else "__" if c == "_" else c for c in evotor_user_id)
    return f"evotor-{local}@{mails.PLACEHOLDER_DOMAIN}"


def _link(merchant, evotor_user_id: str) -> EvotorConnection:
    try:
        return evotor_link_user(merchant=merchant, evotor_user_id=evotor_user_id)
    except IntegrityError:  # the merchant's connection was made meanwhile (their token saved by hand)
        raise serial.Again from None
    except EvotorLinkConflict as conflict:
        if conflict.which == "evotor_user":
            raise errors.WebhookError(
                409, errors.USER_LINKED_ELSEWHERE, "userId is linked to another account", subject="userId"
            ) from None
        raise _account_exists() from None


def _account_exists() -> errors.WebhookError:
    return errors.WebhookError(
        409, errors.ACCOUNT_EXISTS, "an EvoSync account with this email exists: log in with its password", "email"
    )


def create_user(*, evotor_user_id: str, email: str | None) -> str:
    """/user/create: our api token for a new Evotor user, with a new pending account for it.

    An existing account is never linked here: the email is not proof. Its owner is mailed a link request
    to confirm (webhooks.linking), and Evotor is told the account exists (409, code 2005), so it asks for the
    account's password (/user/verify). Calls for one userId run one at a time, each in one transaction:
    overlapping resends make one account and one link, and a refused call leaves no account behind."""
    token = serial.for_evotor_user(
        evotor_user_id, lambda: _create_user_locked(evotor_user_id=evotor_user_id, email=email)
    )
    if token is None:
        raise _account_exists()
    return token


def _create_user_locked(*, evotor_user_id: str, email: str | None) -> str | None:
    User = get_user_model()
    existing = EvotorConnection.objects.filter(evotor_user_id=evotor_user_id).select_related("merchant").first()
    if existing is not None:
        if email and existing.merchant.email != email.lower():
            raise errors.WebhookError(
                409, errors.USER_LINKED_ELSEWHERE, "userId is linked to another account", subject="userId"
            )
        return api_token_for(evotor_user_id)  # a resend: same answer
    if email:
        # `=` too: MariaDB's collation makes some addresses equal that LIKE (iexact) tells apart.
        merchant = User.objects.filter(Q(email__iexact=email) | Q(email=email)).first()
        if merchant is not None:
            linking.request_link(merchant=merchant, evotor_user_id=evotor_user_id)
            return None  # committed with its request and mail; the caller answers 2005
        merchant = _new_pending_account(email)
    else:  # one placeholder account per userId; an unlinked one (its link deleted by staff) is taken back
        address = placeholder_email(evotor_user_id)
        merchant = User.objects.filter(email__iexact=address).first() or _new_pending_account(address)
    _link(merchant, evotor_user_id)
    mails.linked(merchant=merchant, evotor_user_id=evotor_user_id, how="created")
    return api_token_for(evotor_user_id)


def _new_pending_account(email: str):
    User = get_user_model()
    try:
        with transaction.atomic():
            merchant = User.objects.create_user(email=email, password=None, status=User.Status.PENDING)
    except IntegrityError:  # another Evotor user's call made this account a moment ago: run again and see it
        raise serial.Again from None
    logger.info("pending account created for an evotor user", extra={"merchant_id": merchant.pk})
    record(
        event=Event.ACCOUNT_CREATED,
        merchant=merchant,
        target=merchant,
        summary=f"Аккаунт {merchant.email} создан по запросу Эвотора (/user/create).",
    )
    return merchant


def verify_user(*, request, evotor_user_id: str, login: str, password: str) -> str:
    """/user/verify: EvoSync credentials (through axes and the status-aware backend) are the proof that
    links an existing account; the owner is mailed. Returns our api token."""
    from django.contrib.auth import authenticate

    with serial.sqlite_turn():  # axes writes its failures
        merchant = authenticate(request, username=login, login=login, password=password)
    if merchant is None:
        raise errors.WebhookError(401, errors.WRONG_CREDENTIALS, "wrong login or password")
    serial.for_evotor_user(evotor_user_id, lambda: _verify_locked(merchant, evotor_user_id))
    return api_token_for(evotor_user_id)


def _verify_locked(merchant, evotor_user_id: str) -> None:
    if EvotorConnection.objects.filter(merchant=merchant, evotor_user_id=evotor_user_id).exists():
        return  # a resend: linked already
    _link(merchant, evotor_user_id)
    mails.linked(merchant=merchant, evotor_user_id=evotor_user_id, how="password")


def receive_cloud_token(*, evotor_user_id: str, token: str) -> EvotorConnection:
    """/user/token: keep Evotor's cloud token for this user and queue the first catalog refresh; the owner is
    mailed when the token changes."""
    return serial.for_evotor_user(evotor_user_id, lambda: _receive_cloud_token_locked(evotor_user_id, token))


def _receive_cloud_token_locked(evotor_user_id: str, token: str) -> EvotorConnection:
    connection = EvotorConnection.objects.filter(evotor_user_id=evotor_user_id).first()
    if connection is None:
        raise errors.invalid("userId", "unknown userId: /user/create or /user/verify first")
    if connection.token == token and connection.installed and connection.source == EvotorConnection.Source.WEBHOOK:
        return connection  # a resend: nothing new
    changed = connection.token != token
    connection = evotor_save_token(merchant=connection.merchant, token=token, source=EvotorConnection.Source.WEBHOOK)
    if changed:
        mails.token_changed(merchant=connection.merchant, evotor_user_id=evotor_user_id)
    return connection


def _moment(value) -> datetime | None:
    """When an event happened, if Evotor's timestamp is readable and plausible (the database stores years
    1000-9999 in UTC, and converting `0001-01-01T00:00+01:00` to UTC overflows)."""
    moment = parse_evotor_time(value)
    try:
        return moment if moment is not None and EARLIEST <= moment.astimezone(UTC) < LATEST else None
    except OverflowError:
        return None


def _record(kind: str, event_id: str, body: dict, **fields) -> tuple[WebhookEvent, bool]:
    """Record an event once; a resend returns the first record and False."""
    try:
        with transaction.atomic():
            return WebhookEvent.objects.get_or_create(
                kind=kind, event_id=event_id[:191], defaults={"payload": body, **fields}
            )
    except IntegrityError:  # the same resend, concurrently
        return WebhookEvent.objects.get(kind=kind, event_id=event_id[:191]), False


def record_subscription_event(*, body: dict) -> WebhookEvent:
    """Record a subscription event; apply it only if it is newer (by sequenceNumber) than what was applied."""
    subscription_id = str(body["subscriptionId"])
    sequence = body["sequenceNumber"]
    event, created = _record(
        WebhookEvent.Kind.SUBSCRIPTION,
        f"{subscription_id}:{sequence}",
        body,
        event_type=str(body["type"])[:64],
        evotor_user_id=str(body["userId"])[:64],
        sequence_number=sequence,
        occurred_at=_moment(body.get("timestamp")),
    )
    if not created:
        return event
    with transaction.atomic():
        subscription = EvotorSubscription.objects.select_for_update().filter(subscription_id=subscription_id).first()
        if subscription is not None and subscription.last_sequence_number >= sequence:
            event.note = "пришло позже более нового события: записано, не применено"
            event.save(update_fields=["note"])
            return event
        subscription = subscription or EvotorSubscription(subscription_id=subscription_id)
        subscription.evotor_user_id = event.evotor_user_id
        subscription.product_id = str(body.get("productId") or "")[:191]
        subscription.plan_id = str(body.get("planId") or subscription.plan_id or "")[:191]
        subscription.status = event.event_type
        subscription.last_sequence_number = sequence
        subscription.save()
        event.applied = True
        event.save(update_fields=["applied"])
    return event


def record_installation_event(*, body: dict) -> WebhookEvent:
    """Record an (un)installation; apply it unless a later one for the same user was applied already."""
    data = body["data"]
    evotor_user_id = str(data["userId"])[:64]
    occurred_at = _moment(body.get("timestamp"))
    event, created = _record(
        WebhookEvent.Kind.INSTALLATION,
        str(body["id"]),
        body,
        event_type=str(body["type"])[:64],
        evotor_user_id=evotor_user_id,
        occurred_at=occurred_at,
    )
    if not created:
        return event
    later = WebhookEvent.objects.filter(
        kind=WebhookEvent.Kind.INSTALLATION, evotor_user_id=evotor_user_id, applied=True
    ).exclude(pk=event.pk)
    if occurred_at is not None and later.filter(occurred_at__gt=occurred_at).exists():
        event.note = "пришло позже более нового события: записано, не применено"
    elif event.event_type in ("ApplicationInstalled", "ApplicationUninstalled"):
        installed = event.event_type == "ApplicationInstalled"
        connection = evotor_set_installed(evotor_user_id=evotor_user_id, installed=installed)
        event.applied = True
        if connection is None:
            event.note = "пользователь Эвотор ещё не связан с аккаунтом"
        elif installed and connection.token:
            evotor_announce_token(merchant_id=connection.merchant_id)
    else:
        event.note = "неизвестный тип события"
    event.save(update_fields=["applied", "note"])
    return event


def stock_noticed(*, connection: EvotorConnection, kind: str, notice: StockNotice, body: dict) -> bool:
    """A receipt or store document: recorded once by its id; the first copy announces the products it names
    (their stock and price are re-read from Evotor soon). True when it was new.

    One transaction: a notice that could not be announced is not recorded either, so Evotor's resend is taken."""
    with transaction.atomic():
        event, created = _record(
            kind,
            notice.notice_id,
            body,
            event_type=notice.kind_of_document or kind,
            evotor_user_id=connection.evotor_user_id[:64],
            occurred_at=_moment(body.get("timestamp") or _inner(body).get("dateTime")),
        )
        if not created:
            return False
        if evotor_announce_stock(connection=connection, products=list(notice.products)):
            event.applied = True
        else:
            event.note = "товаров нет или Эвотор не подключён: ничего не обновлено"
        event.save(update_fields=["applied", "note"])
    return True


def _inner(body: dict) -> dict:
    data = body.get("data")
    return data if isinstance(data, dict) else {}
