"""The merchant's Evotor connection: save a token by hand, test it, disconnect. Thin: services do the writes."""

import logging

from django import forms
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts import team_roles
from accounts.access import shop_permission
from connections.audit_trail import record_test
from connections.evotor.client import EvotorClient, EvotorError
from connections.evotor.services import EvotorTokenRefused, evotor_connect_by_hand, evotor_disconnect
from connections.models import EvotorConnection
from connections.state import mark_ok, record_error
from connections.views import back

logger = logging.getLogger(__name__)


class EvotorTokenForm(forms.Form):
    token = forms.CharField(
        label="Токен облака Эвотор",
        max_length=1000,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "placeholder": "вставьте токен"}),
    )

    def clean_token(self):
        token = self.cleaned_data["token"]
        if any(c.isspace() for c in token):
            raise forms.ValidationError("Токен не должен содержать пробелов.")
        if not token.isascii() or not token.isprintable():  # Evotor's tokens are; an HTTP header takes no other
            raise forms.ValidationError(
                "Токен Эвотора состоит из латинских букв, цифр и знаков: проверьте, что вставили."
            )
        return token


@shop_permission(team_roles.CONNECTIONS)
@require_POST
def save_token(request):
    """Save a pasted token once Evotor has taken it; a refused one is reported at once and not saved."""
    form = EvotorTokenForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("token", []):
            messages.error(request, error)
        return back(request, "/connections#evotor")
    try:
        _connection, stores = evotor_connect_by_hand(merchant=request.shop, token=form.cleaned_data["token"])
    except EvotorTokenRefused as refused:
        messages.error(request, refused.reason)
        return back(request, "/connections#evotor")
    messages.success(
        request, f"Токен Эвотора работает и сохранён (магазинов: {stores}). Каталог загружается — это займёт минуту."
    )
    return back(request, "/connections#evotor")


@shop_permission(team_roles.CONNECTIONS)
@require_POST
def disconnect(request):
    if evotor_disconnect(merchant=request.shop):
        messages.success(request, "Эвотор отключён: токен удалён, синхронизация остановлена.")
    return redirect("/connections#evotor")


@shop_permission(team_roles.CONNECTIONS)
@require_POST
def test_token(request):
    """JSON: does the saved token work, and how many stores it sees. Records the outcome on the connection."""
    connection = EvotorConnection.objects.owned_by(request.shop).first()
    if connection is None or not connection.token:
        return JsonResponse({"ok": False, "error": "Эвотор не подключён: сначала сохраните токен."}, status=400)
    try:
        stores = EvotorClient(connection.token).check()
    except EvotorError as exc:
        record_error(connection=connection, error=exc)
        record_test(connection=connection, ok=False, message=exc.reason)
        return JsonResponse({"ok": False, "error": exc.reason})
    mark_ok(connection=connection)
    record_test(connection=connection, ok=True, message=f"Магазинов: {stores}.")
    return JsonResponse({"ok": True, "stores": stores, "message": f"Токен работает. Магазинов: {stores}."})
