"""The merchant's VK shop as EvoSync last read it: albums with counts, an album's items."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET, require_POST

from accounts import team_roles
from accounts.access import shop_permission
from accounts.ownership import get_owned_or_404
from catalog import thumbnails
from connections.models import VkConnection
from core import formats
from vkshop import selectors
from vkshop.models import VkAlbum, VkItem
from vkshop.tasks import refresh_vk_shop

ITEMS_PER_PAGE = 50
NO_PICTURE = "Нет фото"
NO_PICTURE_OUTSIDE = "Фото этого товара — только в VK: товар не из каталога Эвотора"
# VK calls an item with availability 1 "removed", but it is only off the shop window and comes back when shown
# again: EvoSync's word for it, on this page and on /sync, is «Скрыт» (deleted for good is «Удалён»).
AVAILABILITY = dict(VkItem.Availability.choices) | {VkItem.Availability.REMOVED: "Скрыт"}
ALBUM_PAGE = "/vk-catalog/albums/{}/products"  # the `vk_album_products` URL, built once per row without reverse()


@shop_permission(team_roles.VIEW)
@require_GET
def albums(request):
    group_id = selectors.connected_group_id(merchant=request.shop)
    context = {"group_id": group_id, "albums": [], "total": 0, "without_album": 0}
    if group_id:
        albums = selectors.albums_with_counts(merchant=request.shop, group_id=group_id)
        context["albums"] = [_album_row(album) for album in albums]
        context.update(selectors.shop_summary(merchant=request.shop, group_id=group_id))
    return render(request, "vkshop/albums.html", context)


def _album_row(album: dict) -> dict:
    """One row of the albums page, every cell ready to print (the template only looks them up)."""
    return {
        "link": ALBUM_PAGE.format(album["pk"]),
        "title": album["title"],
        "item_total": str(album["item_total"]),  # str: a number in a template is localize()d, 8 µs each
        "updated": formats.moment(album["updated_time"]) or "—",
        "marks": " ".join(mark for mark, on in (("основная", album["is_main"]), ("скрыта", album["is_hidden"])) if on),
    }


@shop_permission(team_roles.VIEW)
@require_GET
def album_products(request, album_id: int):
    """Items of one album (album 0: every item; with ?only=no_album: items in no album), paginated."""
    album = get_owned_or_404(VkAlbum, request.shop, pk=album_id) if album_id else None
    group_id = album.group_id if album else selectors.connected_group_id(merchant=request.shop)
    without_album = album is None and request.GET.get("only") == "no_album"
    items = (
        selectors.items_of_album(merchant=request.shop, group_id=group_id, album=album, without_album=without_album)
        if group_id
        else VkItem.objects.none()
    )
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    products = selectors.evotor_products_for(merchant=request.shop, skus=[item["sku"] for item in page.object_list])
    rows = [_item_row(item, products.get(item["sku"])) for item in page.object_list]
    context = {
        "album": album,
        "without_album": without_album,
        "page": page,
        "rows": rows,
        "group_id": group_id,
        "placeholder": static("img/no-photo.svg"),
    }
    return render(request, "vkshop/album_products.html", context)


def _item_row(item: dict, product: tuple[str, str] | None) -> dict:
    """One row of an album's page, every cell ready to print (the template only looks them up).

    The picture is the thumbnail EvoSync keeps of the Evotor product's picture. An item made in VK by hand has
    none here: its photo lives on VK's servers, and the pages load no image from outside EvoSync (the CSP
    would have to let VK's photo hosts in, and every page view would tell VK who looks at the shop)."""
    stock = item["stock_amount"]
    evotor_name, thumbnail = product or (None, "")
    return {
        "thumbnail": thumbnails.url(thumbnail),
        "no_picture": NO_PICTURE if product else NO_PICTURE_OUTSIDE,
        "title": item["title"],
        "rejected": bool(item["reject_info"]),
        "price": formats.money(item["price"]),
        "old_price": formats.money(item["old_price"]) if item["old_price"] else "",
        "available": item["availability"] == VkItem.Availability.AVAILABLE,
        "availability": AVAILABILITY.get(item["availability"], item["availability"]),
        "stock": str(stock) if stock is not None and stock >= 0 else None,
        "sku": item["sku"] or "—",
        "evotor_name": evotor_name,
    }


@shop_permission(team_roles.OPERATE)
@require_POST
def refresh_now(request):
    """Re-read the merchant's VK shop in the background (only through a connection whose check passed)."""
    connection = VkConnection.objects.owned_by(request.shop).exclude(group_id=None).first()
    if connection is None:
        messages.error(request, "VK не подключён: подключите сообщество на странице «Подключения».")
    elif connection.status != VkConnection.Status.OK:
        reason = connection.last_error or "проверьте его на странице «Подключения»"
        messages.error(request, f"Подключение VK не работает, магазин не перечитан: {reason}")
    else:
        refresh_vk_shop.delay(request.shop.pk)
        messages.success(request, "Магазин VK перечитывается. Обновите страницу через минуту.")
    return redirect("vk_albums")
