"""The merchant's Evotor catalog: stores, groups as a tree, products; switches that choose what goes to VK."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.ownership import get_owned_or_404
from catalog import selectors, services
from catalog.models import Product, ProductGroup, Store
from connections.models import EvotorConnection
from connections.services import evotor_queue_refresh

PRODUCTS_PER_PAGE = 50


@login_required
def catalog_home(request):
    return redirect("catalog-stores")


@login_required
def stores(request):
    live = Q(products__removed=False)
    rows = (
        Store.objects.owned_by(request.user)
        .annotate(product_count=Count("products", filter=live))
        .order_by("removed", "name")
    )
    context = {
        "stores": rows,
        "connection": EvotorConnection.objects.owned_by(request.user).first(),
        "published_count": selectors.published_products(merchant=request.user).count(),
    }
    return render(request, "catalog/stores.html", context)


@login_required
def groups(request, store_id):
    store = get_owned_or_404(Store, request.user, pk=store_id)
    counts = dict(
        Product.objects.filter(store=store, removed=False)
        .values("group_id")
        .annotate(n=Count("id"))
        .values_list("group_id", "n")
    )
    disabled = selectors.disabled_group_ids(merchant=request.user, store_ids=[store.pk])
    tree = [
        {"group": group, "depth": depth, "count": counts.get(group.pk, 0), "published": group.pk not in disabled}
        for group, depth in selectors.group_tree(store=store)
    ]
    context = {"store": store, "tree": tree, "ungrouped": counts.get(None, 0)}
    return render(request, "catalog/groups.html", context)


@login_required
def products(request, store_id):
    store = get_owned_or_404(Store, request.user, pk=store_id)
    rows = Product.objects.filter(store=store, merchant=request.user).select_related("group").order_by("name", "pk")
    group = None
    if request.GET.get("group", "").isdigit():
        group = get_owned_or_404(ProductGroup, request.user, pk=request.GET["group"], store=store)
        rows = rows.filter(group=group)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        rows = rows.filter(_name_matches(query) | Q(code__iexact=query) | Q(barcodes__icontains=query))
    if request.GET.get("removed") != "1":
        rows = rows.filter(removed=False)
    page = Paginator(rows, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "store": store,
        "page": page,
        "group": group,
        "query": query,
        "groups": ProductGroup.objects.filter(store=store, removed=False).order_by("name").only("id", "name"),
        "show_removed": request.GET.get("removed") == "1",
    }
    return render(request, "catalog/products.html", context)


def _name_matches(query: str) -> Q:
    """icontains, plus the usual capitalisations: SQLite folds case for ASCII only, not Cyrillic."""
    condition = Q(name__icontains=query)
    for variant in {query.lower(), query.capitalize(), query.upper()} - {query}:
        condition |= Q(name__contains=variant)
    return condition


def _enabled(request, current: bool) -> bool:
    """The switch's new position: `enabled=1/0` from the form, or the opposite of now."""
    value = request.POST.get("enabled")
    return (value == "1") if value in ("0", "1") else not current


def _back(request, default: str):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(default)


@login_required
@require_POST
def toggle_store(request, store_id):
    store = get_owned_or_404(Store, request.user, pk=store_id)
    services.set_store_sync(store=store, enabled=_enabled(request, store.sync_enabled))
    state = "публикуется в VK" if store.sync_enabled else "больше не публикуется в VK"
    messages.success(request, f"Магазин «{store.name}» {state}.")
    return _back(request, "catalog-stores")


@login_required
@require_POST
def toggle_group(request, store_id, group_id):
    store = get_owned_or_404(Store, request.user, pk=store_id)
    group = get_owned_or_404(ProductGroup, request.user, pk=group_id, store=store)
    services.set_group_sync(group=group, enabled=_enabled(request, group.sync_enabled))
    state = "включена" if group.sync_enabled else "выключена"
    messages.success(request, f"Группа «{group.name}» {state}.")
    return _back(request, f"/catalog/stores/{store.pk}/groups")


@login_required
@require_POST
def refresh_now(request):
    connection = EvotorConnection.objects.owned_by(request.user).first()
    if connection is None or not connection.token:
        messages.error(request, "Сначала подключите Эвотор.")
        return redirect("connections")
    evotor_queue_refresh(merchant_id=request.user.pk)
    messages.success(request, "Обновление каталога запущено. Обновите страницу через минуту.")
    return redirect("catalog-stores")
