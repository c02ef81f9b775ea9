from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from accounts import team_roles
from accounts.access import shop_permission
from connections.models import EvotorConnection, VkConnection
from connections.vk import community


@shop_permission(team_roles.VIEW)
def connections_page(request):
    """Both connections side by side: state, since when, last check, last error in words."""
    vk = VkConnection.objects.owned_by(request.shop).first()
    context = {
        "evotor": EvotorConnection.objects.owned_by(request.shop).first(),
        "vk": vk,
        "vk_community_problem": community.community_problem(vk),
        "vk_callback_url": community.callback_url(vk) if vk and vk.callback_path else "",
    }
    return render(request, "connections/connections.html", context)


def safe_next(request, default: str) -> str:
    """The form's `next` when it is a path on this site (the guided start sends one), else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def back(request, default: str) -> HttpResponseRedirect:
    """Back to the page the form was on: `next`, else `default`."""
    return HttpResponseRedirect(safe_next(request, default))
