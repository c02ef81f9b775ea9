"""The guided start (/start): Evotor → VK → stores and groups → the first plan → confirm → progress → done.

Each step says what is missing and how to fix it. The plan computes itself (a change of the choice, or VK
connected, asks `triggers.request_first_plan`); the merchant only confirms it.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import team_roles
from accounts.access import current_shop, shop_permission
from catalog.models import Store
from connections.views import safe_next
from vksync import triggers
from vksync.counts import VkCount, vk_count, vk_shop_count
from vksync.models import SyncRun
from vksync.selectors import first_sync_done, settings_for
from vksync.setup import readiness
from vksync.views import PROGRESS_LABELS

LIVE = (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)


@login_required
def home(request):
    """Where a merchant lands after login: the guided start until the first sync went through, then /sync;
    someone who belongs to no shop (removed from their only team), to their profile."""
    shop = current_shop(request)
    if shop is None:
        messages.info(request, "Вы не состоите ни в одном магазине: попросите владельца прислать приглашение.")
        return redirect("profile")
    return redirect("sync" if first_sync_done(shop) else "start")


@shop_permission(team_roles.VIEW)
def start(request):
    merchant = request.shop
    count = vk_count(merchant=merchant)
    ready = readiness(merchant=merchant, count=count)
    last = SyncRun.objects.owned_by(merchant).order_by("-created_at", "-id").first()
    live = last if last and last.status in LIVE else None
    waiting = last if last and last.status == SyncRun.Status.NEEDS_CONFIRMATION else None
    done = first_sync_done(merchant)
    context = {
        "stage": _stage(ready, live=live, done=done),
        "ready": ready,
        "vk_count": count,
        "stores": Store.objects.owned_by(merchant).filter(removed=False).order_by("name"),
        "last": last,
        "live": live,
        "live_progress": [
            (PROGRESS_LABELS.get(kind, kind), entry)
            for kind, entry in ((live.progress or {}).items() if live else [])
            if entry.get("total")
        ],
        "waiting": waiting,
        "waiting_count": VkCount.from_dict((waiting.plan_summary or {}).get("count")) if waiting else None,
        "failed": last if last and last.status == SyncRun.Status.FAILED and not done else None,
        "vk_shop_count": vk_shop_count(merchant=merchant, expected=count.to_vk) if done else None,
        "shop_url": _shop_url(ready.vk),
        "vk_id_enabled": bool(settings.VK_ID_CLIENT_ID),
    }
    return render(request, "vksync/start.html", context)


def _stage(ready, *, live: SyncRun | None, done: bool) -> str:
    """The step the merchant is on: the first one not finished."""
    if done:
        return "done"
    if ready.evotor_problem:
        return "evotor"
    if ready.vk_problem:
        return "vk"
    if ready.choice_problem:
        return "choice"
    if live and live.trigger == SyncRun.Trigger.CONFIRM:
        return "sync"
    return "plan"


def _shop_url(vk) -> str:
    """The community's shop in VK, for the merchant to see what buyers see."""
    return f"{settings.VK_WEB_URL.rstrip('/')}/market-{vk.group_id}" if vk and vk.group_id else ""


@shop_permission(team_roles.OPERATE)
@require_POST
def request_plan(request):
    """ "Посчитать план": compute the first plan now (it also computes itself when the choice changes)."""
    merchant = request.shop
    blocker = readiness(merchant=merchant, count=vk_count(merchant=merchant)).blocker
    if blocker:
        messages.error(request, f"План не посчитан. {blocker}")
    elif settings_for(merchant).enabled and first_sync_done(merchant):
        messages.info(request, "Синхронизация уже работает: план больше не нужен.")
    else:
        triggers.request_first_plan(merchant=merchant)
        messages.info(request, "Считаем план: он появится здесь через минуту. В VK пока ничего не меняется.")
    return redirect(safe_next(request, reverse("start")))


@shop_permission(team_roles.OPERATE)
@require_POST
def confirm(request):
    """One button: the merchant agrees with the plan, the sync switches on and the first run starts."""
    merchant = request.shop
    blocker = readiness(merchant=merchant, count=vk_count(merchant=merchant)).blocker
    waiting = SyncRun.objects.owned_by(merchant).filter(status=SyncRun.Status.NEEDS_CONFIRMATION).exists()
    if blocker:
        messages.error(request, f"Синхронизация не запущена. {blocker}")
    elif not waiting:
        messages.error(request, "Синхронизация не запущена: плана, который можно подтвердить, нет. Он считается.")
    else:
        triggers.confirm_plan(merchant=merchant)
        messages.success(request, "План подтверждён: синхронизация запущена, ход виден ниже.")
    return redirect("start")
