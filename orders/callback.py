"""The community's Callback API, as VK calls it: answer the confirmation string, check the secret (in constant
time), keep each `event_id` once (VK repeats an event until it hears `ok`), answer `ok` at once and leave the
work to a task. Whatever VK sends — unknown fields, unknown types, broken JSON — gets an answer, never a 500.
"""

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from connections.models import VkConnection
from connections.vk.community import mark_callback_confirmed
from orders.models import CallbackEvent

log = logging.getLogger(__name__)
ORDER_EVENTS = ("market_order_new", "market_order_edit")


@dataclass(frozen=True)
class Answer:
    status: int
    text: str


OK = Answer(200, "ok")


def receive(*, path: str, body: bytes) -> Answer:
    """What VK gets back for one request to /vk/callback/<path>."""
    connection = VkConnection.objects.filter(callback_path=path).first() if path else None
    if connection is None or not connection.group_id:
        return Answer(404, "unknown callback address")
    data = _json(body)
    if data is None or not well_formed(data):
        return Answer(400, "not a Callback API request")
    if data["group_id"] != int(connection.group_id):
        return Answer(403, "wrong group_id")
    if data.get("type") == "confirmation":
        return _confirm(connection)
    secret = data.get("secret") if isinstance(data.get("secret"), str) else ""
    if not connection.callback_secret or not hmac.compare_digest(secret.encode(), connection.callback_secret.encode()):
        log.warning("VK callback with a wrong secret", extra={"merchant_id": connection.merchant_id})
        return Answer(403, "wrong secret")
    if data.get("type") in ORDER_EVENTS:
        keep_event(connection=connection, data=data, body=body)
    return OK


def _confirm(connection: VkConnection) -> Answer:
    if not connection.callback_confirmation:
        return Answer(409, "no confirmation string saved in EvoSync")
    mark_callback_confirmed(connection=connection)
    return Answer(200, connection.callback_confirmation)


def keep_event(*, connection: VkConnection, data: dict, body: bytes) -> CallbackEvent | None:
    """Record the event once and queue its work; None when it was here before (VK repeated it)."""
    event_id = data.get("event_id") if isinstance(data.get("event_id"), str) and data.get("event_id") else ""
    event_id = event_id[:64] or "body-" + hashlib.sha256(body).hexdigest()[:59]  # VK always sends one; just in case
    obj = data.get("object") if isinstance(data.get("object"), dict) else {}
    try:
        with transaction.atomic():
            event = CallbackEvent.objects.create(
                merchant_id=connection.merchant_id,
                group_id=connection.group_id,
                event_id=event_id,
                type=str(data.get("type"))[:64],
                payload=obj,
            )
    except IntegrityError:
        log.info("VK callback repeated", extra={"merchant_id": connection.merchant_id})
        return None
    transaction.on_commit(lambda: _queue(event.pk))
    return event


def _queue(event_id: int) -> None:
    from orders.tasks import handle_callback_event

    handle_callback_event.delay(event_id)


def _json(body: bytes) -> dict | None:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def well_formed(data: dict) -> bool:
    """The fields VK always sends have their types (schema callback_base); any other field is left alone."""
    group_id = data.get("group_id")
    if not isinstance(data.get("type"), str) or not isinstance(group_id, int) or isinstance(group_id, bool):
        return False
    optional = {"event_id": str, "secret": str, "v": str, "object": dict}
    return all(name not in data or isinstance(data[name], kind) for name, kind in optional.items())
