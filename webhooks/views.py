"""Evotor's calls to EvoSync. Thin: check the method and the secret, read the body, hand over to webhooks.services.

Every refusal is Evotor's documented error body `{"errors": [{"code": N, ...}]}`, never a 500 and never
one of Django's HTML pages (405, 400 for a body past DATA_UPLOAD_MAX_MEMORY_SIZE, axes' lockout page).
"""

import functools
import hmac
import logging

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from webhooks import errors, parsing, services, stock_notices
from webhooks.models import WebhookEvent

logger = logging.getLogger(__name__)


def _authorized(request) -> bool:
    secret = settings.EVOTOR_WEBHOOK_SECRET
    header = request.headers.get("Authorization", "")
    if not secret or not header.lower().startswith("bearer "):
        return False
    return hmac.compare_digest(header[7:].strip().encode(), secret.encode())


def _only(request, method: str) -> HttpResponse | None:
    """None for the one method the endpoint takes; else Evotor's 405 naming it."""
    if request.method == method:
        return None
    response = errors.WebhookError(405, errors.SYNTAX, f"method not allowed: {method} only").response()
    response["Allow"] = method
    return response


def _post_only(request) -> HttpResponse | None:
    return _only(request, "POST")


def _login_locked(request) -> HttpResponse:
    """django-axes locked this login (too many wrong passwords): Evotor's body, not axes' HTML page."""
    cool_off = get_cool_off(request)
    seconds = round(cool_off.total_seconds()) if cool_off else 0
    reason = "too many failed logins"
    if seconds:
        reason += f": try again in {max(1, round(seconds / 60))} minutes"
    response = errors.WebhookError(429, errors.WRONG_CREDENTIALS, reason).response()
    if seconds:
        response["Retry-After"] = str(seconds)
    request.axes_locked_out = False  # the answer is given: AxesMiddleware must not replace it with its page
    return response


def evotor_webhook(handler):
    """POST only, csrf-exempt, Bearer secret checked in constant time, JSON object body, errors as Evotor's."""

    @csrf_exempt
    @functools.wraps(handler)
    def view(request):
        refused = _post_only(request)
        if refused is not None:
            return refused
        if not _authorized(request):
            logger.warning("webhook refused: bad authorization", extra={"path": request.path})
            return errors.WebhookError(401, errors.BAD_APP_TOKEN, "bad application token").response()
        try:
            response = handler(request, parsing.read_body(request))
        except errors.WebhookError as error:
            logger.info("webhook refused", extra={"path": request.path, "code": error.code})
            response = error.response()
        if getattr(request, "axes_locked_out", False):
            logger.info("webhook refused: login locked", extra={"path": request.path})
            return _login_locked(request)
        return response

    return view


@evotor_webhook
def user_create(request, body):
    user_id = parsing.user_id(body)
    token = services.create_user(evotor_user_id=user_id, email=parsing.email(body))
    return JsonResponse({"userId": user_id, "token": token})


@evotor_webhook
def user_verify(request, body):
    user_id = parsing.user_id(body)
    login = parsing.text(body, "login", "username", max_length=254)
    password = parsing.password(body)
    token = services.verify_user(request=request, evotor_user_id=user_id, login=login, password=password)
    return JsonResponse({"userId": user_id, "token": token})


@evotor_webhook
def user_token(request, body):
    user_id = parsing.user_id(body)
    services.receive_cloud_token(evotor_user_id=user_id, token=parsing.cloud_token(body))
    return HttpResponse(status=200)


@evotor_webhook
def subscription_event(request, body):
    parsing.text(body, "subscriptionId", max_length=services.SUBSCRIPTION_ID_MAX)
    parsing.user_id(body, "userId")
    parsing.text(body, "type")
    parsing.text(body, "productId", required=False, max_length=191)  # both stored: a text or nothing
    parsing.text(body, "planId", required=False, max_length=191)
    body["sequenceNumber"] = parsing.sequence_number(body)
    services.record_subscription_event(body=body)
    return HttpResponse(status=200)


@evotor_webhook
def installation_event(request, body):
    parsing.text(body, "id", max_length=191)
    parsing.text(body, "type")
    data = body.get("data")
    if not isinstance(data, dict):
        raise errors.missing("data") if data is None else errors.invalid("data")
    parsing.user_id(data, "userId")
    services.record_installation_event(body=body)
    return HttpResponse(status=200)


def _user_token_connection(request):
    """The Evotor connection whose user we issued the Bearer token to, else None."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    return services.connection_for_api_token(token) if token else None


def _bad_user_token(request) -> HttpResponse:
    logger.warning("notification refused: bad user token", extra={"path": request.path})
    return errors.WebhookError(401, errors.BAD_USER_TOKEN, "bad user token").response()


@csrf_exempt
def legacy_product_push(request, store_uuid):
    """Evotor's old push of a product made on a terminal, with `Authorization: Bearer <our api token>`."""
    refused = _post_only(request)
    if refused is not None:
        return refused
    connection = _user_token_connection(request)
    if connection is None:
        return _bad_user_token(request)
    services.product_pushed(connection=connection)
    return HttpResponse(status=200)


@csrf_exempt
def receipt(request):
    """A receipt after a sale or return (`Bearer <our api token>`): recorded once, its products' stock re-read soon."""
    refused = _only(request, "POST")
    if refused is not None:
        return refused
    connection = _user_token_connection(request)
    if connection is None:
        return _bad_user_token(request)
    try:
        body = parsing.read_body(request)
    except errors.WebhookError as error:
        return error.response()
    notice = stock_notices.receipt(body)
    services.stock_noticed(connection=connection, kind=WebhookEvent.Kind.RECEIPT, notice=notice, body=body)
    return HttpResponse(status=200)


@csrf_exempt
def store_documents(request, store_uuid):
    """Documents of a store (sales, returns, acceptance, write-offs, revaluation, inventory): like a receipt."""
    refused = _only(request, "PUT")
    if refused is not None:
        return refused
    connection = _user_token_connection(request)
    if connection is None:
        return _bad_user_token(request)
    try:
        body = parsing.read_body(request, allow_list=True)
    except errors.WebhookError as error:
        return error.response()
    for notice, document in stock_notices.documents(body, store_uuid):
        services.stock_noticed(connection=connection, kind=WebhookEvent.Kind.DOCUMENT, notice=notice, body=document)
    return HttpResponse(status=200)
