"""The community's own token, the second and optional VK credential: orders, the Callback API, messages.

Everything else in EvoSync works with the user token alone; what needs the community token asks
`community_client(connection=...)`, which says in words what is missing. A community token's failure
never marks the VK connection broken (the shop's sync does not use it): it is kept in
`community_token_error` for the page to show.
"""

import logging
import secrets

from django.conf import settings
from django.utils import timezone

from connections.models import VkConnection
from connections.ratelimit import community_rate_limiter
from connections.vk.client import VkClient
from connections.vk.errors import VkApiError, VkConnectionBroken, VkError
from connections.vk.services import VkSetupError

logger = logging.getLogger(__name__)

NO_VK = "VK не подключён: сначала подключите сообщество на странице «Подключения»."
NO_COMMUNITY_TOKEN = (
    "Нет токена сообщества VK: добавьте его на странице «Подключения» (раздел VK), "
    "чтобы получать заказы, настроить Callback API и сообщения от сообщества."
)
CALLBACK_TITLE = "EvoSync"  # VK allows 14 characters
CALLBACK_EVENTS = ("market_order_new", "market_order_edit")


class CommunityTokenMissing(Exception):
    """A feature needs the community token and there is none (or it stopped working); `.reason` in words."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


def community_problem(connection: VkConnection | None) -> str:
    """Why the community token's features cannot work now, in words ("" when they can)."""
    if connection is None or not connection.group_id:
        return NO_VK
    if not connection.community_token:
        return NO_COMMUNITY_TOKEN
    return connection.community_token_error


def community_client(*, connection: VkConnection | None, **client_options) -> VkClient:
    """A VkClient with the community token; CommunityTokenMissing says what is missing."""
    problem = community_problem(connection)
    if problem:
        raise CommunityTokenMissing(problem)
    client_options.setdefault("rate_limiter", community_rate_limiter())
    return VkClient(connection.community_token, **client_options)


def note_community_error(*, connection: VkConnection, error: VkError) -> None:
    """Keep it for the page when VK no longer takes the community token (error 5: revoked or expired). A refusal
    of one method (a right the token lacks) is told where it happened, and the token's other uses go on."""
    if getattr(error, "code", None) != 5:
        return
    reason = f"Токен сообщества не работает: {getattr(error, 'reason', '') or error}"
    VkConnection.objects.filter(pk=connection.pk).update(community_token_error=reason)
    connection.community_token_error = reason


def save_community_token(*, merchant, token: str) -> VkConnection:
    """Check with VK that `token` is the connected community's own token, then keep it (encrypted)."""
    connection = VkConnection.objects.filter(merchant=merchant).first()
    if connection is None or not connection.group_id:
        raise VkSetupError(NO_VK)
    token = token.strip()
    if not token:
        raise VkSetupError("Вставьте токен сообщества VK.")
    try:
        groups = VkClient(token, rate_limiter=community_rate_limiter()).call("groups.getById")["groups"]
    except VkConnectionBroken as exc:
        raise VkSetupError(f"VK не принял токен сообщества: {exc.reason}")
    except VkApiError as exc:
        raise VkSetupError(f"VK ответил ошибкой {exc.code}: {exc.message}")
    if not groups or int(groups[0]["id"]) != int(connection.group_id):
        wanted = f"«{connection.group_name}» (id {connection.group_id})"
        raise VkSetupError(f"Это токен другого сообщества: нужен токен сообщества {wanted}.")
    connection.community_token = token
    connection.community_token_error = ""
    connection.save(update_fields=["community_token", "community_token_error"])
    logger.info("VK community token saved for merchant %s", merchant.pk)
    return connection


def forget_community_token(*, merchant) -> bool:
    """Forget the community token (the orders stay); True when there was one."""
    return bool(
        VkConnection.objects.filter(merchant=merchant)
        .exclude(community_token="")
        .update(community_token="", community_token_error="", callback_server_id=None, callback_confirmed_at=None)
    )


def callback_url(connection: VkConnection) -> str:
    return f"{settings.BASE_URL}{settings.VK_CALLBACK_PATH_PREFIX}{connection.callback_path}"


def prepare_callback(*, connection: VkConnection) -> VkConnection:
    """Give the connection its own callback address and secret (kept when they exist)."""
    fields = []
    if not connection.callback_path:
        connection.callback_path = secrets.token_urlsafe(24)
        fields.append("callback_path")
    if not connection.callback_secret:
        connection.callback_secret = secrets.token_urlsafe(32)[:50]  # VK takes up to 50 characters
        fields.append("callback_secret")
    if fields:
        connection.save(update_fields=fields)
    return connection


def save_confirmation_code(*, connection: VkConnection, code: str) -> VkConnection:
    """The confirmation string the merchant copied from the community's Callback API settings."""
    code = code.strip()
    if not code or len(code) > 64:
        raise VkSetupError("Вставьте строку подтверждения из настроек Callback API сообщества (до 64 символов).")
    prepare_callback(connection=connection)
    connection.callback_confirmation = code
    connection.save(update_fields=["callback_confirmation"])
    return connection


def set_up_callback(*, connection: VkConnection) -> VkConnection:
    """One button: ask VK for the confirmation string, add (or update) our server, switch the order events on.

    VkSetupError says why VK refused (then the page shows what to paste by hand)."""
    client = community_client(connection=connection)
    prepare_callback(connection=connection)
    group_id = int(connection.group_id)
    try:
        code = client.call("groups.getCallbackConfirmationCode", group_id=group_id)["code"]
        connection.callback_confirmation = code
        connection.save(update_fields=["callback_confirmation"])  # VK asks for it as soon as the server is added
        server = {"group_id": group_id, "url": callback_url(connection), "title": CALLBACK_TITLE}
        server["secret_key"] = connection.callback_secret
        if connection.callback_server_id and _server_exists(client, group_id, connection.callback_server_id):
            client.call("groups.editCallbackServer", server_id=connection.callback_server_id, **server)
        else:
            connection.callback_server_id = client.call("groups.addCallbackServer", **server)["server_id"]
            connection.save(update_fields=["callback_server_id"])
        events = {name: True for name in CALLBACK_EVENTS}
        client.call(
            "groups.setCallbackSettings",
            group_id=group_id,
            server_id=connection.callback_server_id,
            api_version=settings.VK_API_VERSION,
            **events,
        )
    except VkConnectionBroken as exc:
        note_community_error(connection=connection, error=exc)
        raise VkSetupError(f"VK не дал настроить Callback API: {exc.reason}")
    except VkApiError as exc:
        raise VkSetupError(f"VK не дал настроить Callback API (ошибка {exc.code}: {exc.message}).")
    logger.info("VK Callback API set up for merchant %s", connection.merchant_id)
    return connection


def _server_exists(client: VkClient, group_id: int, server_id: int) -> bool:
    servers = client.call("groups.getCallbackServers", group_id=group_id, server_ids=[server_id])
    return any(int(server["id"]) == server_id for server in servers.get("items", []))


def mark_callback_confirmed(*, connection: VkConnection) -> None:
    if connection.callback_confirmed_at is None:
        connection.callback_confirmed_at = timezone.now()
        VkConnection.objects.filter(pk=connection.pk).update(callback_confirmed_at=connection.callback_confirmed_at)


def send_message(*, connection: VkConnection, text: str, random_id: int) -> int:
    """A message from the community to the merchant's VK account; `random_id` makes a resend a no-op in VK."""
    if not connection.vk_user_id:
        raise CommunityTokenMissing("Неизвестен аккаунт VK продавца: подключите VK заново.")
    client = community_client(connection=connection)
    return client.call(
        "messages.send",
        peer_id=connection.vk_user_id,
        random_id=random_id,
        message=text[:4000],
        group_id=int(connection.group_id),
    )
