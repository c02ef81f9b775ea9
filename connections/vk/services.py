"""Writes and checks on the merchant's VK connection: save, test, disconnect, OAuth tokens.

Everything that needs VK goes through `connections.vk.client` (the API) and `connections.vk.vk_id`
(VK ID's tokens). `vk_client_for(connection=...)` is the one factory other parts use: it refreshes
an OAuth token that is about to expire first.
`run_with_vk(connection=..., action=...)` also retries once after a refresh on error 5 and
marks the connection broken, with the reason in words, on a permanent error.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from connections.audit_trail import record_test
from connections.models import VkConnection
from connections.signals import vk_connected
from connections.state import mark_broken, mark_ok
from connections.vk.client import VkClient
from connections.vk.errors import PERMANENT_REASONS, VkApiError, VkConnectionBroken, VkError, VkOAuthError
from connections.vk.vk_id import VkIdClient, VkTokens
from core.numbers import ascii_int, is_ascii_int

logger = logging.getLogger(__name__)
T = TypeVar("T")
SCREEN_NAME = re.compile(r"[A-Za-z0-9_.]{1,100}", re.ASCII)

COMMUNITY_NOT_FOUND = "Сообщество «{ref}» не найдено в VK. Укажите его id или короткое имя (адрес)."
NOT_A_COMMUNITY = "«{text}» — не id и не короткое имя сообщества VK. Укажите, например, club123 или myshop."
REFRESH_FAILED = "VK ID не обновил токен ({error}). Подключите VK заново."


class VkSetupError(Exception):
    """The merchant's input cannot be used (bad token, unknown community); `.reason` in Russian."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class VkIdentity:
    user_id: int
    user_name: str
    group_id: int
    group_name: str
    group_screen_name: str
    market_enabled: bool
    can_edit: bool
    market_problem: str = ""  # why the token may not touch the community's shop ("" when it may)


def community_ref(text: str) -> str:
    """The id or short name out of what a merchant pastes: `club123`, `https://vk.com/shop`, `-123`, `shop`.

    "" when it names none: ids are ASCII digits (`²` is not one), short names Latin letters, digits, `_` and `.`."""
    ref = text.strip().split("?", 1)[0].split("#", 1)[0].rstrip("/")
    for prefix in ("https://", "http://", "m.vk.com/", "vk.com/", "vk.ru/", "www."):
        if ref.startswith(prefix):
            ref = ref[len(prefix) :]
    ref = ref.removeprefix("vk.com/").removeprefix("vk.ru/").removeprefix("@")
    number = ascii_int(ref, signed=True)
    if number is not None:
        return str(abs(number))
    for prefix in ("club", "public", "event"):
        if ref.startswith(prefix) and is_ascii_int(ref[len(prefix) :]):
            return str(int(ref[len(prefix) :]))
    return ref if SCREEN_NAME.fullmatch(ref) else ""


def identify(client: VkClient, community: str) -> VkIdentity:
    """Whose token it is and which community `community` names (resolved to its id)."""
    ref = community_ref(community)
    if not ref and community.strip():
        raise VkSetupError(NOT_A_COMMUNITY.format(text=community.strip()[:60]))
    if not ref:
        raise VkSetupError("Укажите сообщество VK: его id или короткое имя.")
    users = client.call("users.get")
    if not users:  # a community's token has no user behind it
        raise VkSetupError(PERMANENT_REASONS[27])
    user = users[0]
    try:
        groups = client.call("groups.getById", group_id=ref, fields=["market"])["groups"]
    except VkApiError as exc:
        if exc.code == 100:
            raise VkSetupError(COMMUNITY_NOT_FOUND.format(ref=ref))
        raise
    group = groups[0]
    market_enabled = bool((group.get("market") or {}).get("enabled"))
    can_edit = bool(group.get("is_admin")) and int(group.get("admin_level") or 0) >= 2
    return VkIdentity(
        user_id=int(user["id"]),
        user_name=f"{user.get('first_name', '')} {user.get('last_name', '')}".strip(),
        group_id=int(group["id"]),
        group_name=group.get("name", ""),
        group_screen_name=group.get("screen_name", ""),
        market_enabled=market_enabled,
        can_edit=can_edit,
        market_problem=market_problem(client, int(group["id"])) if market_enabled and can_edit else "",
    )


def market_problem(client: VkClient, group_id: int) -> str:
    """Whether the token has the `market` right on the community: one read of its shop (one item) tells."""
    try:
        client.call("market.get", owner_id=-group_id, count=1)
    except VkConnectionBroken as exc:
        return f"Токен без права на товары (market): {exc.reason}"
    return ""


def _identify_or_explain(token: str, community: str) -> VkIdentity:
    try:
        return identify(VkClient(token), community)
    except VkConnectionBroken as exc:
        raise VkSetupError(exc.reason)
    except VkApiError as exc:
        raise VkSetupError(f"VK ответил ошибкой {exc.code}: {exc.message}")


def identity_problems(identity: VkIdentity) -> str:
    """Why EvoSync cannot fill this community's shop with this token, in words ("" when it can)."""
    problems = []
    if not identity.market_enabled:
        problems.append("В сообществе не включены товары: включите раздел «Товары» в настройках сообщества.")
    if not identity.can_edit:
        problems.append(
            f"Пользователь токена ({identity.user_name or identity.user_id}) не администратор и не редактор "
            "этого сообщества: нужен токен его администратора."
        )
    if identity.market_problem:
        problems.append(identity.market_problem)
    return " ".join(problems)


def remember_photo_bulk_refused(*, connection: VkConnection) -> None:
    """The community refused the bulk photo upload: later runs save its pictures one by one from the start."""
    if connection.photo_bulk_refused_at is None:
        connection.photo_bulk_refused_at = timezone.now()
        VkConnection.objects.filter(pk=connection.pk).update(photo_bulk_refused_at=connection.photo_bulk_refused_at)
        logger.info("VK community refused bulk photo uploads", extra={"group_id": connection.group_id})


def _refuse_unless_usable(identity: VkIdentity) -> None:
    """Nothing is saved for a token that could not fill the community's shop: say why."""
    problems = identity_problems(identity)
    if problems:
        raise VkSetupError(f"VK не подключён. {problems}")


def _apply_identity(connection: VkConnection, identity: VkIdentity) -> None:
    connection.vk_user_id = identity.user_id
    connection.vk_user_name = identity.user_name
    if connection.group_id != identity.group_id:  # another community: it may take bulk uploads
        connection.photo_bulk_refused_at = None
    connection.group_id = identity.group_id
    connection.group_name = identity.group_name
    connection.group_screen_name = identity.group_screen_name
    connection.last_error = identity_problems(identity)
    connection.status = VkConnection.Status.BROKEN if connection.last_error else VkConnection.Status.OK
    connection.last_checked_at = timezone.now()
    connection.connected_at = timezone.now()


@transaction.atomic
def save_vk_connection(*, merchant, access_token: str, community: str) -> VkConnection:
    """Save or replace the merchant's pasted VK user token and community, once VK has shown that the token's user
    administers the community, its shop is on and the token has the `market` right (VkSetupError says what not)."""
    token = access_token.strip()
    if not token:
        raise VkSetupError("Вставьте токен пользователя VK.")
    identity = _identify_or_explain(token, community)
    _refuse_unless_usable(identity)
    connection, _ = VkConnection.objects.select_for_update().get_or_create(merchant=merchant)
    connection.access_token = token
    connection.refresh_token = ""
    connection.token_expires_at = None
    connection.device_id = ""
    connection.source = VkConnection.Source.MANUAL
    _apply_identity(connection, identity)
    connection.save()
    logger.info("VK connection saved for merchant %s, community %s", merchant.pk, identity.group_id)
    vk_connected.send(sender=VkConnection, merchant_id=merchant.pk)
    return connection


@transaction.atomic
def save_vk_oauth_connection(*, merchant, tokens: VkTokens, community: str) -> VkConnection:
    """Save the tokens VK ID issued ("Connect with VK") and the community chosen before."""
    identity = _identify_or_explain(tokens.access_token, community)
    _refuse_unless_usable(identity)
    connection, _ = VkConnection.objects.select_for_update().get_or_create(merchant=merchant)
    connection.source = VkConnection.Source.OAUTH
    _store_tokens(connection, tokens)
    _apply_identity(connection, identity)
    connection.save()
    logger.info("VK ID connection saved for merchant %s, community %s", merchant.pk, identity.group_id)
    vk_connected.send(sender=VkConnection, merchant_id=merchant.pk)
    return connection


def _store_tokens(connection: VkConnection, tokens: VkTokens) -> None:
    connection.access_token = tokens.access_token
    if tokens.refresh_token:
        connection.refresh_token = tokens.refresh_token
    connection.device_id = tokens.device_id or connection.device_id
    connection.token_expires_at = timezone.now() + timedelta(seconds=tokens.expires_in) if tokens.expires_in else None


def disconnect_vk(*, merchant) -> bool:
    """Forget the merchant's VK tokens and community; True when there was a connection."""
    deleted, _ = VkConnection.objects.filter(merchant=merchant).delete()
    return bool(deleted)


def token_needs_refresh(connection: VkConnection, *, margin_seconds: int | None = None) -> bool:
    if connection.source != VkConnection.Source.OAUTH or not connection.refresh_token:
        return False
    if connection.token_expires_at is None:
        return False
    margin = settings.VK_TOKEN_REFRESH_MARGIN_SECONDS if margin_seconds is None else margin_seconds
    return connection.token_expires_at <= timezone.now() + timedelta(seconds=margin)


def refresh_vk_token(*, connection: VkConnection) -> VkConnection:
    """Get a new access token from VK ID with the refresh token; mark broken when VK ID refuses."""
    with transaction.atomic():
        locked = VkConnection.objects.select_for_update().get(pk=connection.pk)
        if locked.refresh_token != connection.refresh_token:  # another process refreshed it already
            return locked
        try:
            tokens = VkIdClient().refresh(refresh_token=locked.refresh_token, device_id=locked.device_id)
        except VkOAuthError as exc:
            reason = REFRESH_FAILED.format(error=exc.error)
            mark_broken(connection=locked, reason=reason)
            raise VkConnectionBroken(5, reason)
        _store_tokens(locked, tokens)
        locked.save(update_fields=["access_token", "refresh_token", "device_id", "token_expires_at"])
    logger.info("VK token refreshed for merchant %s", locked.merchant_id)
    return locked


def ensure_fresh_vk_token(*, connection: VkConnection) -> VkConnection:
    """The connection with an access token that will not expire soon (refreshed through VK ID if needed)."""
    if token_needs_refresh(connection):
        return refresh_vk_token(connection=connection)
    return connection


def vk_client_for(*, connection: VkConnection, **client_options) -> VkClient:
    """A VkClient with the connection's (fresh) token: the way every part of EvoSync gets one."""
    connection = ensure_fresh_vk_token(connection=connection)
    return VkClient(connection.access_token, **client_options)


def run_with_vk(*, connection: VkConnection, action: Callable[[VkClient], T]) -> T:
    """Run `action(client)`; on error 5 with a refresh token, refresh once and retry; on a
    permanent error mark the connection broken (reason in words) and re-raise."""
    try:
        client = vk_client_for(connection=connection)
        try:
            return action(client)
        except VkConnectionBroken as exc:
            if exc.code != 5 or connection.source != VkConnection.Source.OAUTH or not connection.refresh_token:
                raise
            refreshed = refresh_vk_token(connection=connection)
            return action(VkClient(refreshed.access_token))
    except VkConnectionBroken as exc:
        mark_broken(connection=connection, reason=exc.reason)
        raise


def check_vk_connection(*, connection: VkConnection) -> dict:
    """What the merchant wants to know: is the token valid, whose is it, the community, can we edit its shop.
    The outcome goes to the audit trail."""
    result = _check_vk_connection(connection)
    record_test(connection=connection, ok=result["ok"], message=result.get("error") or "")
    return result


def _check_vk_connection(connection: VkConnection) -> dict:
    result = {"ok": False, "token_valid": False, "user": None, "community": None}
    try:
        identity = run_with_vk(
            connection=connection, action=lambda client: identify(client, str(connection.group_id or ""))
        )
    except VkConnectionBroken as exc:
        return {**result, "error": exc.reason}
    except (VkSetupError, VkApiError) as exc:
        reason = getattr(exc, "reason", None) or f"VK ответил ошибкой {exc.code}: {exc.message}"
        mark_broken(connection=connection, reason=reason)
        return {**result, "token_valid": True, "error": reason}
    except VkError as exc:  # transient trouble is reported; the connection stays as it was
        return {**result, "error": f"VK сейчас недоступен, попробуйте позже ({type(exc).__name__})."}
    problems = identity_problems(identity)
    if problems:
        mark_broken(connection=connection, reason=problems)
    else:
        mark_ok(connection=connection)
    return {
        "ok": not problems,
        "token_valid": True,
        "user": {"id": identity.user_id, "name": identity.user_name},
        "community": {"id": identity.group_id, "name": identity.group_name, "screen_name": identity.group_screen_name},
        "market_enabled": identity.market_enabled,
        "can_edit": identity.can_edit,
        "error": problems,
    }


def refresh_expiring_vk_tokens() -> int:
    """Refresh every OAuth token that expires within twice the margin; return how many were refreshed."""
    margin = 2 * settings.VK_TOKEN_REFRESH_MARGIN_SECONDS
    soon = timezone.now() + timedelta(seconds=margin)
    refreshed = 0
    candidates = VkConnection.objects.filter(
        source=VkConnection.Source.OAUTH, token_expires_at__lte=soon, status__in=["ok", "unchecked"]
    ).exclude(refresh_token="")
    for connection in candidates.iterator():
        try:
            refresh_vk_token(connection=connection)
            refreshed += 1
        except Exception:  # noqa: BLE001 - one merchant's failure never stops the others
            logger.exception("VK token refresh failed for merchant %s", connection.merchant_id)
    return refreshed
