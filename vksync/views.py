"""The merchant's /sync pages: progress, last runs, failed items, the plan to confirm, settings."""

import logging

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import team_roles
from accounts.access import can, shop_permission
from accounts.ownership import get_owned_or_404
from catalog.models import ProductGroup
from connections.models import EvotorConnection, VkConnection
from vkshop.models import VkItem
from vksync import triggers
from vksync.counts import VkCount, vk_count, vk_shop_count
from vksync.forms import SyncSettingsForm
from vksync.models import ProductLink, SyncRun
from vksync.selectors import item_pictures, settings_for
from vksync.setup import readiness
from vksync.variant_state import try_variants_again, variants_state

log = logging.getLogger(__name__)
PLAN_COMING = (
    "Синхронизация выключена до подтверждения плана: считаем план, через минуту он появится на этой странице. "
    "В VK ничего не изменится, пока вы его не подтвердите."
)
PROGRESS_LABELS = {
    "albums": "Подборки",
    "photos": "Фото",
    "items": "Товары",
    "membership": "Товары в подборках",
    "variants": "Варианты товаров",
}
LAST_RUNS = 10
MAX_GROUP_CATEGORIES = 300
FAILED_ITEMS = 50


@shop_permission(team_roles.VIEW)
def sync_page(request):
    merchant = request.shop
    runs = list(SyncRun.objects.owned_by(merchant).order_by("-created_at", "-id")[:LAST_RUNS])
    current = next((r for r in runs if r.status in (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)), None)
    waiting = runs[0] if runs and runs[0].status == SyncRun.Status.NEEDS_CONFIRMATION else None
    failed = (
        ProductLink.objects.owned_by(merchant)
        .exclude(last_error="")
        .select_related("product")
        .only("id", "sku", "last_error", "last_error_code", "updated_at", "state", "product__name")
        .order_by("-updated_at")[:FAILED_ITEMS]
    )
    sync_settings = settings_for(merchant)
    count = vk_count(merchant=merchant, sync_settings=sync_settings)
    context = {
        "settings": sync_settings,
        "vk_count": count,
        "vk_shop_count": vk_shop_count(merchant=merchant, expected=count.to_vk),
        "waiting_count": VkCount.from_dict((waiting.plan_summary or {}).get("count")) if waiting else None,
        "first_plan_missing": not sync_settings.enabled and not waiting and not current,
        "blocker": readiness(merchant=merchant, count=count).blocker,
        "vk": VkConnection.objects.owned_by(merchant).only("status", "group_name", "last_error").first(),
        "evotor": EvotorConnection.objects.owned_by(merchant)
        .only("status", "last_error", "installed", "token")
        .first(),
        "runs": runs,
        "current": current,
        "current_progress": [
            (PROGRESS_LABELS.get(kind, kind), entry)
            for kind, entry in ((current.progress or {}).items() if current else [])
            if entry.get("total")
        ],
        "waiting": waiting,
        "failed": failed,
        "variants": variants_state(merchant=merchant),
        "rejected": VkItem.objects.owned_by(merchant)
        .filter(reject_info__isnull=False)
        .only("vk_id", "title", "reject_info")
        .order_by("title")[:FAILED_ITEMS],
    }
    return render(request, "vksync/sync.html", context)


@shop_permission(team_roles.VIEW)
def sync_progress(request):
    """The current (or last) run as JSON, for the progress bar."""
    run = SyncRun.objects.owned_by(request.shop).order_by("-created_at", "-id").first()
    if run is None:
        return JsonResponse({"run": None})
    return JsonResponse(
        {
            "run": run.pk,
            "status": run.status,
            "status_display": run.get_status_display(),
            "active": run.status in (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING),
            "progress": run.progress,
            "error": run.error,
        }
    )


@shop_permission(team_roles.OPERATE)
@require_POST
def sync_now(request):
    """Queue a sync, or say why it cannot run (and queue nothing); with the sync off, compute the plan instead."""
    merchant = request.shop
    blocker = readiness(merchant=merchant, count=vk_count(merchant=merchant)).blocker
    if blocker:
        messages.error(request, f"Синхронизация не запущена. {blocker}")
    elif not settings_for(merchant).enabled:
        triggers.request_first_plan(merchant=merchant)
        messages.info(request, PLAN_COMING)
    elif triggers.request_sync(merchant=merchant, trigger=SyncRun.Trigger.MANUAL) is None:
        messages.info(request, "Синхронизация уже идёт; сразу после неё пройдёт ещё одна.")
    else:
        messages.success(request, "Синхронизация запущена: ход виден ниже.")
    return redirect("sync")


@shop_permission(team_roles.OPERATE)
@require_POST
def confirm_plan(request):
    triggers.confirm_plan(merchant=request.shop)
    messages.success(request, "План подтверждён, синхронизация запущена.")
    return redirect("sync")


@shop_permission(team_roles.OPERATE)
@require_POST
def retry_item(request, link_id: int):
    link = get_owned_or_404(ProductLink, request.shop, pk=link_id)
    triggers.retry_item(merchant=request.shop, link=link)
    messages.success(request, "Товар будет отправлен в VK ещё раз.")
    return redirect("sync")


@shop_permission(team_roles.OPERATE)
@require_POST
def retry_variants(request):
    try_variants_again(merchant=request.shop)
    messages.success(request, "Попробуем собрать карточки с вариантами снова: синхронизация запущена.")
    return redirect("sync")


@shop_permission(team_roles.VIEW, post=team_roles.SETTINGS)
def sync_settings(request):
    instance = settings_for(request.shop)
    categories = _categories(request.shop)
    groups = (
        ProductGroup.objects.owned_by(request.shop)
        .filter(store__sync_enabled=True, sync_enabled=True, removed=False)
        .order_by("name")
        .values_list("evotor_id", "name")[:MAX_GROUP_CATEGORIES]
    )
    form = SyncSettingsForm(
        request.POST or None, request.FILES or None, instance=instance, categories=categories, groups=list(groups)
    )
    if not can(request, team_roles.SETTINGS):  # a viewer or a manager reads them
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Настройки сохранены. Изменения попадут в VK при следующей синхронизации.")
        return redirect("sync")
    return render(request, "vksync/sync_settings.html", {"form": form, "settings": instance})


def _categories(merchant) -> list | None:
    """VK's category tree as grouped choices (cached for a day); None when VK cannot be asked."""
    cached = cache.get("vksync:categories")
    if cached is not None:
        return cached
    connection = VkConnection.objects.owned_by(merchant).first()
    if connection is None or not connection.access_token or connection.status == VkConnection.Status.BROKEN:
        return None
    from connections.vk.client import VkClient
    from connections.vk.errors import VkError

    try:
        tree = VkClient(connection.access_token).call("market.getCategories")
    except VkError as error:
        log.warning("VK categories unavailable", extra={"error": str(error)})
        return None
    choices = []
    for section in tree.get("items", []):
        children = section.get("children") or []
        if children:
            choices.append((section["name"], [(c["id"], c["name"]) for c in children]))
        else:
            choices.append((section["id"], section["name"]))
    cache.set("vksync:categories", choices, 24 * 3600)
    return choices


@shop_permission(team_roles.VIEW)
def item_page(request, sku: str):
    """One item as EvoSync sends it: its product, its state in VK, and each picture with what was done to it."""
    links = ProductLink.objects.owned_by(request.shop).filter(sku=sku).select_related("product")
    link = links.order_by("-updated_at", "-id").first()  # a sku may have outlived an earlier link
    if link is None:
        raise Http404("Такого товара среди отправленных в VK нет")
    return render(request, "vksync/item.html", {"link": link, "pictures": item_pictures(link)})
