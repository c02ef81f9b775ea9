"""The merchant's check of the VK channel: a message from the community sent now (as a task), so a refusal shown on
the profile clears once the merchant has allowed messages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from notifications import services


@login_required
@require_POST
def check_vk_messages(request):
    if services.check_vk_messages(merchant=request.user):
        messages.success(request, "Проверочное сообщение отправлено в VK: обновите страницу через несколько секунд.")
    else:
        messages.error(request, "Сообщения VK выключены в профиле: включите их, чтобы проверить.")
    return redirect(request.POST.get("next") if request.POST.get("next") in ("/profile", "/orders") else "profile")
