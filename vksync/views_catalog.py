"""The merchant's VK shop as EvoSync last read it: albums with counts, an album's items."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.ownership import get_owned_or_404
from vksync import catalog_selectors as selectors
from vksync.models import VkAlbum, VkItem
from vksync.tasks import refresh_vk_shop

ITEMS_PER_PAGE = 50


@login_required
@require_GET
def albums(request):
    group_id = selectors.connected_group_id(merchant=request.user)
    context = {"group_id": group_id, "albums": [], "total": 0, "without_album": 0}
    if group_id:
        items = VkItem.objects.owned_by(request.user).filter(group_id=group_id)
        context["albums"] = selectors.albums_with_counts(merchant=request.user, group_id=group_id)
        summary = items.aggregate(total=Count("id"), refreshed=Max("refreshed_at"))
        context["total"], context["refreshed_at"] = summary["total"], summary["refreshed"]
        context["without_album"] = selectors.items_of_album(
            merchant=request.user, group_id=group_id, album=None, without_album=True
        ).count()
    return render(request, "vksync/albums.html", context)


@login_required
@require_GET
def album_products(request, album_id: int):
    """Items of one album (album 0: every item; with ?only=no_album: items in no album), paginated."""
    album = get_owned_or_404(VkAlbum, request.user, pk=album_id) if album_id else None
    group_id = album.group_id if album else selectors.connected_group_id(merchant=request.user)
    without_album = album is None and request.GET.get("only") == "no_album"
    items = (
        selectors.items_of_album(merchant=request.user, group_id=group_id, album=album, without_album=without_album)
        if group_id
        else VkItem.objects.none()
    )
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    products = selectors.evotor_products_for(merchant=request.user, items=page.object_list)
    rows = [(item, products.get(item.pk)) for item in page.object_list]
    context = {"album": album, "without_album": without_album, "page": page, "rows": rows, "group_id": group_id}
    return render(request, "vksync/album_products.html", context)


@login_required
@require_POST
def refresh_now(request):
    """Re-read the merchant's VK shop in the background."""
    if selectors.connected_group_id(merchant=request.user):
        refresh_vk_shop.delay(request.user.pk)
        messages.success(request, "Магазин VK перечитывается. Обновите страницу через минуту.")
    return redirect("vk_albums")
