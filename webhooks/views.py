"""Evotor's calls to EvoSync. Thin: check the secret, read the body, hand over to webhooks.services.

Every refusal is Evotor's documented error body `{"errors": [{"code": N, ...}]}`, never a 500.
"""

import functools
import hmac
import json
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.numbers import is_ascii_int
from webhooks import errors, services

logger = logging.getLogger(__name__)
MAX_BODY = 64 * 1024
MAX_SEQUENCE = 2**63 - 1  # a BigIntegerField


def _authorized(request) -> bool:
    secret = settings.EVOTOR_WEBHOOK_SECRET
    header = request.headers.get("Authorization", "")
    if not secret or not header.lower().startswith("bearer "):
        return False
    return hmac.compare_digest(header[7:].strip().encode(), secret.encode())


def evotor_webhook(handler):
    """POST only, csrf-exempt, Bearer secret checked in constant time, JSON object body, errors as Evotor's."""

    @csrf_exempt
    @require_POST
    @functools.wraps(handler)
    def view(request):
        if not _authorized(request):
            logger.warning("webhook refused: bad authorization", extra={"path": request.path})
            return errors.WebhookError(401, errors.BAD_APP_TOKEN, "bad application token").response()
        try:
            if len(request.body) > MAX_BODY:
                raise errors.WebhookError(400, errors.SYNTAX, "body too large")
            try:
                body = json.loads(request.body or b"null")
            except (ValueError, UnicodeDecodeError):
                raise errors.WebhookError(400, errors.SYNTAX, "body is not JSON") from None
            if not isinstance(body, dict):
                raise errors.WebhookError(400, errors.SYNTAX, "body must be a JSON object")
            return handler(request, body)
        except errors.WebhookError as error:
            logger.info("webhook refused", extra={"path": request.path, "code": error.code})
            return error.response()

    return view


def _text(body: dict, *names: str, required: bool = True, max_length: int = 64) -> str | None:
    """The first present field among `names` (old and new spellings), as a non-empty string."""
    for name in names:
        if name in body and body[name] not in (None, ""):
            value = body[name]
            if not isinstance(value, str | int) or isinstance(value, bool) or len(str(value)) > max_length:
                raise errors.invalid(name)
            return str(value).strip()
    if required:
        raise errors.missing(names[0])
    return None


def _email(body: dict) -> str | None:
    key = next((k for k in body if k.lower() == "email"), None)
    if key is None or body[key] in (None, ""):
        return None
    value = body[key]
    try:
        validate_email(value)
    except (ValidationError, TypeError):
        raise errors.invalid(key, "invalid email") from None
    return value.strip().lower()


@evotor_webhook
def user_create(request, body):
    user_id = _text(body, "userId", "userUuid")
    token = services.create_user(evotor_user_id=user_id, email=_email(body))
    return JsonResponse({"userId": user_id, "token": token})


@evotor_webhook
def user_verify(request, body):
    user_id = _text(body, "userId", "userUuid")
    login = _text(body, "login", "username", max_length=254)
    password = body.get("password")
    if password in (None, ""):
        raise errors.missing("password")
    if not isinstance(password, str):
        raise errors.invalid("password")
    token = services.verify_user(request=request, evotor_user_id=user_id, login=login, password=password)
    return JsonResponse({"userId": user_id, "token": token})


@evotor_webhook
def user_token(request, body):
    user_id = _text(body, "userId", "userUuid")
    token = _text(body, "token", max_length=1000)
    services.receive_cloud_token(evotor_user_id=user_id, token=token)
    return HttpResponse(status=200)


@evotor_webhook
def subscription_event(request, body):
    for name in ("subscriptionId", "userId", "type"):
        _text(body, name, max_length=191)
    sequence = body.get("sequenceNumber")
    if is_ascii_int(sequence):
        sequence = body["sequenceNumber"] = int(sequence)
    if sequence is None:
        raise errors.missing("sequenceNumber")
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 <= sequence <= MAX_SEQUENCE:
        raise errors.invalid("sequenceNumber")
    services.record_subscription_event(body=body)
    return HttpResponse(status=200)


@evotor_webhook
def installation_event(request, body):
    _text(body, "id", max_length=191)
    _text(body, "type")
    data = body.get("data")
    if not isinstance(data, dict):
        raise errors.missing("data") if data is None else errors.invalid("data")
    _text(data, "userId")
    services.record_installation_event(body=body)
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
def legacy_product_push(request, store_uuid):
    """Evotor's old push of a product made on a terminal, with `Authorization: Bearer <our api token>`."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    connection = services.connection_for_api_token(token) if token else None
    if connection is None:
        return errors.WebhookError(401, errors.BAD_USER_TOKEN, "bad user token").response()
    services.product_pushed(connection=connection)
    return HttpResponse(status=200)
