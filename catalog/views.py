"""The merchant's Evotor catalog: stores, groups as a tree, products; switches that choose what goes to VK."""

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_POST

from accounts import team_roles
from accounts.access import shop_permission
from accounts.ownership import get_owned_or_404
from catalog import selectors, services, thumbnails, triggers
from catalog.models import Product, ProductGroup, Store
from connections.models import EvotorConnection
from core import formats
from core.numbers import ascii_int
from core.paging import page_counted_with_rows

PRODUCTS_PER_PAGE = 50
NO_PICTURE = "Нет фото"
PICTURE_COMING = "Фото есть в Эвоторе и появится здесь после следующего обновления каталога"
PICTURE_UNREADABLE = "Фото есть в Эвоторе, но прочитать его не удалось"
THUMBNAIL_CACHE = "private, max-age=31536000, immutable"  # a name is its content's hash: it never changes
MAX_INDENT = 10  # levels of the groups tree with their own indent (.depth-1 … .depth-10 in evosync.css)


@shop_permission(team_roles.VIEW)
def catalog_home(request):
    return redirect("catalog-stores")


@shop_permission(team_roles.VIEW)
def stores(request):
    live = Q(products__removed=False)
    rows = (
        Store.objects.owned_by(request.shop)
        .annotate(product_count=Count("products", filter=live))
        .order_by("removed", "name")
    )
    connection = EvotorConnection.objects.owned_by(request.shop).first()
    context = {
        "stores": rows,
        "connection": connection,
        "refresh": selectors.refresh_state(connection=connection),
    }
    return render(request, "catalog/stores.html", context)


@shop_permission(team_roles.VIEW)
def groups(request, store_id):
    store = get_owned_or_404(Store, request.shop, pk=store_id)
    counts = dict(
        Product.objects.filter(store=store, removed=False)
        .values("group_id")
        .annotate(n=Count("id"))
        .values_list("group_id", "n")
    )
    disabled = selectors.disabled_group_ids(merchant=request.shop, store_ids=[store.pk])
    tree = [
        {
            "group": group,
            "depth": depth,
            "indent": min(depth + 1, MAX_INDENT),  # a CSS class per level: the CSP allows no style="…"
            "count": counts.get(group.pk, 0),
            "published": group.pk not in disabled,
        }
        for group, depth in selectors.group_tree(store=store)
    ]
    context = {"store": store, "tree": tree, "ungrouped": counts.get(None, 0), "refresh": _refresh_state(request)}
    return render(request, "catalog/groups.html", context)


@shop_permission(team_roles.VIEW)
def products(request, store_id):
    store = get_owned_or_404(Store, request.shop, pk=store_id)
    group = None
    group_pk = ascii_int(request.GET.get("group", ""))
    if group_pk is not None:
        group = get_owned_or_404(ProductGroup, request.shop, pk=group_pk, store=store)
    query = request.GET.get("q", "").strip()[:100]
    show_removed = request.GET.get("removed") == "1"
    found = selectors.store_products(store=store, group=group, query=query, with_removed=show_removed)
    if query:  # a search reads every product of the store: count them in the same pass
        page = page_counted_with_rows(found, request.GET.get("page"), PRODUCTS_PER_PAGE)
    else:  # the (store, removed, name) index counts them without reading any
        page = Paginator(found, PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    kept = {"q": query, "group": group.pk if group else None, "removed": 1 if show_removed else None}
    filters = urlencode({name: value for name, value in kept.items() if value})
    groups = list(ProductGroup.objects.filter(store=store).order_by("name").values_list("pk", "name", "removed"))
    group_names = {pk: name for pk, name, _removed in groups}
    context = {
        "store": store,
        "page": page,
        "rows": [_product_row(product, group_names) for product in page.object_list],
        "group": group,
        "group_pk": str(group.pk) if group else None,
        "query": query,
        "groups": [(str(pk), name) for pk, name, removed in groups if not removed],  # str: no localize() per option
        "show_removed": show_removed,
        "page_link": f"?{filters}&page=" if filters else "?page=",
        "refresh": _refresh_state(request),
        "placeholder": static("img/no-photo.svg"),
    }
    return render(request, "catalog/products.html", context)


def _refresh_state(request) -> selectors.RefreshState:
    return selectors.refresh_state(connection=EvotorConnection.objects.owned_by(request.shop).first())


def _product_row(product: dict, group_names: dict[int, str]) -> dict:
    """One row of the products page, every cell ready to print (the template only looks them up)."""
    return {
        "name": product["name"],
        "thumbnail": thumbnails.url(product["thumbnail"]),
        "no_picture": _no_picture(product),
        "removed": product["removed"],
        "code": product["code"],
        "barcodes": ", ".join(product["barcodes"] or ()),
        "group": group_names.get(product["group_id"]) or "—",
        "price": formats.money(product["price"]),
        "stock": f"{formats.amount(product['quantity'])} {product['measure_name']}",
        "out_of_stock": product["quantity"] <= 0,
        "for_sale": "да" if product["allow_to_sell"] else "нет",
    }


def _no_picture(product: dict) -> str:
    """Why a row shows the placeholder, in words (its alt and title)."""
    if not product["image_url"]:
        return NO_PICTURE
    return PICTURE_UNREADABLE if product["thumbnail"] == thumbnails.NOT_AN_IMAGE else PICTURE_COMING


def _enabled(request, current: bool) -> bool:
    """The switch's new position: `enabled=1/0` from the form, or the opposite of now."""
    value = request.POST.get("enabled")
    return (value == "1") if value in ("0", "1") else not current


def _back(request, default: str):
    """To `next` when it is a path on this site, else to `default`. `next` is only ever used as a URL, never
    reversed as a view name: `redirect("foo")` would raise NoReverseMatch after the switch was saved."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return HttpResponseRedirect(target)
    return redirect(default)


@shop_permission(team_roles.OPERATE)
@require_POST
def toggle_store(request, store_id):
    store = get_owned_or_404(Store, request.shop, pk=store_id)
    services.set_store_sync(store=store, enabled=_enabled(request, store.sync_enabled))
    state = "публикуется в VK" if store.sync_enabled else "больше не публикуется в VK"
    messages.success(request, f"Магазин «{store.name}» {state}.")
    return _back(request, "catalog-stores")


@shop_permission(team_roles.OPERATE)
@require_POST
def toggle_group(request, store_id, group_id):
    store = get_owned_or_404(Store, request.shop, pk=store_id)
    group = get_owned_or_404(ProductGroup, request.shop, pk=group_id, store=store)
    services.set_group_sync(group=group, enabled=_enabled(request, group.sync_enabled))
    state = "включена" if group.sync_enabled else "выключена"
    messages.success(request, f"Группа «{group.name}» {state}.")
    return _back(request, f"/catalog/stores/{store.pk}/groups")


@shop_permission(team_roles.OPERATE)
@require_POST
def refresh_now(request):
    connection = EvotorConnection.objects.owned_by(request.shop).first()
    if connection is None or not connection.token:
        messages.error(request, "Сначала подключите Эвотор.")
        return redirect("connections")
    triggers.queue_refresh(merchant_id=request.shop.pk)
    messages.success(request, "Обновление каталога запущено. Обновите страницу через минуту.")
    return redirect("catalog-stores")


@shop_permission(team_roles.VIEW)
@require_GET
def thumbnail(request, thumbnail_name):
    """A product's small picture from storage (why no ownership query: catalog.thumbnails)."""
    if not thumbnails.NAME.match(thumbnail_name):
        raise Http404
    etag = f'"{thumbnail_name.removesuffix(".webp")}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        try:
            file = default_storage.open(thumbnails.storage_path(thumbnail_name))
            response = FileResponse(file, content_type="image/webp")
        except FileNotFoundError:
            raise Http404
    response["ETag"], response["Cache-Control"] = etag, THUMBNAIL_CACHE
    return response
