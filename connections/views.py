from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from connections.models import EvotorConnection, VkConnection


@login_required
def connections_page(request):
    """Both connections side by side: state, since when, last check, last error in words."""
    context = {
        "evotor": EvotorConnection.objects.owned_by(request.user).first(),
        "vk": VkConnection.objects.owned_by(request.user).first(),
    }
    return render(request, "connections/connections.html", context)
