"""The merchant's VK connection: paste a token, connect with VK ID (OAuth + PKCE), test, disconnect; the
community token and the Callback API beside it."""

import base64
import hashlib
import secrets
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts import team_roles
from accounts.access import shop_permission
from connections.models import VkConnection
from connections.views import back, safe_next
from connections.vk import community
from connections.vk import services as services_vk
from connections.vk.errors import VkError
from connections.vk.vk_id import VkIdClient

OAUTH_SESSION_KEY = "vk_oauth"


class VkTokenForm(forms.Form):
    access_token = forms.CharField(label="Токен пользователя VK", max_length=1000, strip=True)
    community = forms.CharField(label="Сообщество (id или короткое имя)", max_length=255, strip=True)


class VkCommunityForm(forms.Form):
    community = forms.CharField(label="Сообщество (id или короткое имя)", max_length=255, strip=True)


def _back(request, target: str = ""):
    """To `target` (a path checked before), else to the form's `next`, else to the connections page."""
    return redirect(target) if target else back(request, reverse("connections") + "#vk")


@shop_permission(team_roles.CONNECTIONS)
@require_POST
def save_connection(request):
    form = VkTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Укажите токен пользователя VK и сообщество.")
        return _back(request)
    try:
        connection = services_vk.save_vk_connection(merchant=request.shop, **form.cleaned_data)
    except services_vk.VkSetupError as exc:
        messages.error(request, exc.reason)
    except VkError:
        messages.error(request, "VK сейчас недоступен. Попробуйте ещё раз через несколько минут.")
    else:
        _report_saved(request, connection, "VK подключён")
    return _back(request)


def _report_saved(request, connection: VkConnection, what: str) -> None:
    """Only a connection VK showed usable is saved (the services refuse the rest with the reason)."""
    messages.success(request, f"{what}: сообщество «{connection.group_name}», права на товары есть.")


@shop_permission(team_roles.CONNECTIONS)
@require_POST
def disconnect(request):
    if services_vk.disconnect_vk(merchant=request.shop):
        messages.success(
            request, "VK отключён: токены удалены, синхронизация остановлена; товары в сообществе остались."
        )
    return _back(request)


@shop_permission(team_roles.CONNECTIONS)
@require_POST
def test_connection(request):
    connection = VkConnection.objects.owned_by(request.shop).first()
    if connection is None:
        return JsonResponse({"ok": False, "error": "VK не подключён."}, status=404)
    return JsonResponse(services_vk.check_vk_connection(connection=connection))


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def redirect_uri() -> str:
    return settings.BASE_URL + reverse("vk_oauth_callback")


@shop_permission(team_roles.CONNECTIONS)
@require_POST
def oauth_start(request):
    """Send the merchant to VK ID with a PKCE challenge; the verifier and state stay in the session."""
    form = VkCommunityForm(request.POST)
    if not settings.VK_ID_CLIENT_ID:
        messages.error(request, "Вход через VK ID не настроен. Вставьте токен вручную.")
        return _back(request)
    if not form.is_valid():
        messages.error(request, "Сначала укажите сообщество VK.")
        return _back(request)
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    request.session[OAUTH_SESSION_KEY] = {
        "verifier": verifier,
        "state": state,
        "community": form.cleaned_data["community"],
        "next": safe_next(request, ""),
        "shop": request.shop.pk,  # the tokens go to the shop this started on, not one switched to meanwhile
    }
    query = {
        "response_type": "code",
        "client_id": settings.VK_ID_CLIENT_ID,
        "redirect_uri": redirect_uri(),
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "scope": settings.VK_ID_SCOPE,
    }
    return redirect(f"{settings.VK_ID_AUTHORIZE_URL}?{urlencode(query)}")


@shop_permission(team_roles.CONNECTIONS)
@require_GET
def oauth_callback(request):
    """VK ID sends the merchant back with a code: exchange it (with the PKCE verifier) and save the tokens."""
    pending = request.session.pop(OAUTH_SESSION_KEY, None)
    state = request.GET.get("state", "")
    if not pending or not secrets.compare_digest(state, pending["state"]) or pending.get("shop") != request.shop.pk:
        messages.error(request, "Ответ VK ID не подошёл к запросу. Нажмите «Подключить через VK» ещё раз.")
        return _back(request)
    started_on = pending.get("next", "")  # the page the merchant started from (checked then)
    if request.GET.get("error") or not request.GET.get("code"):
        messages.error(request, "VK ID не выдал доступ. Подключение не изменилось.")
        return _back(request, started_on)
    try:
        tokens = VkIdClient().exchange_code(
            code=request.GET["code"],
            code_verifier=pending["verifier"],
            redirect_uri=redirect_uri(),
            device_id=request.GET.get("device_id", ""),
            state=state,
        )
        connection = services_vk.save_vk_oauth_connection(
            merchant=request.shop, tokens=tokens, community=pending["community"]
        )
    except services_vk.VkSetupError as exc:
        messages.error(request, exc.reason)
    except VkError:
        messages.error(request, "VK ID не выдал токен. Попробуйте ещё раз.")
    else:
        _report_saved(request, connection, "VK подключён через VK ID")
    return _back(request, started_on)


class CommunityTokenForm(forms.Form):
    community_token = forms.CharField(label="Токен сообщества VK", max_length=1000, strip=True)


class ConfirmationCodeForm(forms.Form):
    code = forms.CharField(label="Строка подтверждения", max_length=64, strip=True)


@shop_permission(team_roles.CONNECTIONS)
@require_POST
def save_community_token(request):
    form = CommunityTokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Вставьте токен сообщества VK.")
        return _back(request)
    try:
        community.save_community_token(merchant=request.shop, token=form.cleaned_data["community_token"])
    except services_vk.VkSetupError as exc:
        messages.error(request, exc.reason)
    except VkError:
        messages.error(request, "VK сейчас недоступен. Попробуйте ещё раз через несколько минут.")
    else:
        messages.success(request, "Токен сообщества сохранён: заказы VK, Callback API и сообщения доступны.")
    return _back(request)


@shop_permission(team_roles.CONNECTIONS)
@require_POST
def forget_community_token(request):
    if community.forget_community_token(merchant=request.shop):
        messages.success(request, "Токен сообщества удалён. Заказы, полученные раньше, остались в EvoSync.")
    return _back(request)


@shop_permission(team_roles.CONNECTIONS)
@require_POST
def set_up_callback(request):
    connection = VkConnection.objects.owned_by(request.shop).first()
    try:
        community.set_up_callback(connection=connection)
    except community.CommunityTokenMissing as exc:
        messages.error(request, exc.reason)
    except services_vk.VkSetupError as exc:
        messages.error(request, f"{exc.reason} Настройте сервер вручную по инструкции ниже.")
    except VkError:
        messages.error(request, "VK сейчас недоступен. Попробуйте ещё раз через несколько минут.")
    else:
        messages.success(request, "Callback API настроен: VK будет сообщать о заказах сразу.")
    return _back(request)


@shop_permission(team_roles.CONNECTIONS)
@require_POST
def save_confirmation_code(request):
    connection = VkConnection.objects.owned_by(request.shop).first()
    form = ConfirmationCodeForm(request.POST)
    if connection is None or not form.is_valid():
        messages.error(request, "Вставьте строку подтверждения из настроек Callback API сообщества.")
        return _back(request)
    try:
        community.save_confirmation_code(connection=connection, code=form.cleaned_data["code"])
    except services_vk.VkSetupError as exc:
        messages.error(request, exc.reason)
    else:
        messages.success(request, "Строка подтверждения сохранена: нажмите «Подтвердить» в настройках сообщества.")
    return _back(request)
