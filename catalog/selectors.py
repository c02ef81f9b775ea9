"""Reads of the catalog that are more than a one-line query."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, F, IntegerField, Max, Q, QuerySet, Value, When
from django.utils import timezone

from catalog.models import CatalogRead, Product, ProductGroup, Store
from catalog.search import fold_for_search
from connections.models import EvotorConnection

# What brings the next refresh after a failed one (refresh_state().retry).
RETRY_BY_ITSELF = "auto"  # the hourly refresh (and the task's own retries) will try again
RETRY_AFTER_NEW_TOKEN = "token"  # Evotor refused the token: nothing is tried until it is replaced
RETRY_AFTER_REINSTALL = "reinstall"  # the app was removed in Evotor: nothing is tried until it is installed


@dataclass(frozen=True)
class RefreshState:
    """What the catalog pages say about reading the catalog from Evotor: when it last happened and, when the
    last attempt failed, why and what brings the next one."""

    connected: bool  # a token is there
    checked_at: datetime | None  # when the catalog was last read (the stores), or the failed attempt
    failed: bool = False
    reason: str = ""
    retry: str = ""
    next_try_by: datetime | None = None  # RETRY_BY_ITSELF: the hourly refresh comes by then at the latest


def refresh_state(*, connection: EvotorConnection | None) -> RefreshState:
    if connection is None or not connection.token:
        return RefreshState(connected=False, checked_at=None)
    if not connection.installed:
        reason = connection.last_error or "приложение EvoSync удалено в Эвоторе."
        return RefreshState(True, connection.last_checked_at, True, reason, RETRY_AFTER_REINSTALL)
    if connection.status == EvotorConnection.Status.BROKEN:
        reason = connection.last_error or "Эвотор не принял токен."
        return RefreshState(True, connection.last_checked_at, True, reason, RETRY_AFTER_NEW_TOKEN)
    if connection.last_error:
        return RefreshState(
            True, connection.last_checked_at, True, connection.last_error, RETRY_BY_ITSELF, _next_try_by(connection)
        )
    last_read = Store.objects.filter(merchant_id=connection.merchant_id).aggregate(at=Max("refreshed_at"))["at"]
    return RefreshState(connected=True, checked_at=last_read)


def _next_try_by(connection: EvotorConnection) -> datetime | None:
    """The failed attempt plus the refresh interval; None when that moment has passed (beat not running)."""
    if connection.last_checked_at is None:
        return None
    by = connection.last_checked_at + timedelta(seconds=settings.CATALOG_REFRESH_INTERVAL_SECONDS)
    return by if by > timezone.now() else None


def disabled_group_ids(*, merchant, store_ids=None) -> set[int]:
    """Ids of groups that are off, removed, or under a group that is (the whole tree is walked once)."""
    groups = ProductGroup.objects.filter(merchant=merchant)
    if store_ids is not None:
        groups = groups.filter(store_id__in=store_ids)
    rows = list(groups.values_list("id", "evotor_id", "parent_evotor_id", "sync_enabled", "removed"))
    by_evotor_id = {
        evotor_id: (pk, parent, enabled and not removed) for pk, evotor_id, parent, enabled, removed in rows
    }
    memo: dict[str, bool] = {}

    def published(evotor_id: str) -> bool:
        path, current = [], evotor_id
        while current in by_evotor_id and current not in memo and len(path) <= len(by_evotor_id):
            path.append(current)  # bounded: a cycle in bad data cannot loop forever
            current = by_evotor_id[current][1]
        verdict = memo.get(current, True)  # above the top (or an unknown parent): published
        for step in reversed(path):
            verdict = verdict and by_evotor_id[step][2]
            memo[step] = verdict
        return memo[evotor_id]

    return {pk for evotor_id, (pk, _parent, _ok) in by_evotor_id.items() if not published(evotor_id)}


def published_products(*, merchant) -> QuerySet[Product]:
    """Products that belong in VK: store switched on, every group up the tree on, nothing removed.

    Whether an unsellable (`allow_to_sell=False`) or out-of-stock product is shown is the sync's rule.
    """
    store_ids = list(
        Store.objects.filter(merchant=merchant, sync_enabled=True, removed=False).values_list("id", flat=True)
    )
    products = Product.objects.filter(merchant=merchant, store_id__in=store_ids, removed=False)
    disabled = disabled_group_ids(merchant=merchant, store_ids=store_ids)
    if disabled:
        products = products.exclude(group_id__in=disabled)
    return products


def product_count(*, merchant) -> int:
    """The merchant's products not removed: the size a sync's plan is measured by."""
    return Product.objects.filter(merchant=merchant, removed=False).count()


def group_tree(*, store) -> list[tuple[ProductGroup, int]]:
    """The store's groups in tree order, each with its depth (0 at the top); orphans go to the top."""
    groups = list(ProductGroup.objects.filter(store=store).order_by("name"))
    known = {g.evotor_id for g in groups}
    children: dict[str | None, list[ProductGroup]] = {}
    for group in groups:
        parent = group.parent_evotor_id if group.parent_evotor_id in known else None
        children.setdefault(parent, []).append(group)
    ordered: list[tuple[ProductGroup, int]] = []
    stack = [(g, 0) for g in reversed(children.get(None, []))]
    seen: set[str] = set()
    while stack:
        group, depth = stack.pop()
        if group.evotor_id in seen:
            continue
        seen.add(group.evotor_id)
        ordered.append((group, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(group.evotor_id, [])))
    return ordered


def pictures_to_check(*, merchant, checked_before=None) -> QuerySet:
    """Published products whose pictures must be read from Evotor: changed since the last check, or a picture
    known before thumbnails existed; with `checked_before`, also those last checked before then (a change of
    pictures alone), oldest check first after the changed ones."""
    due = ~Q(image_checked_hash=F("content_hash")) | (~Q(image_hash="") & Q(thumbnail=""))
    if checked_before is None:
        return published_products(merchant=merchant).filter(due).order_by("pk")
    stale = Q(images_checked_at__lt=checked_before) | Q(images_checked_at__isnull=True)
    first = Case(When(due, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        published_products(merchant=merchant)
        .filter(due | stale)
        .order_by(first, F("images_checked_at").asc(nulls_first=True), "pk")
    )


def pictures_unknown(*, merchant) -> set[int]:
    """Ids of published products whose pictures were never read from Evotor (nor any picture known)."""
    never = published_products(merchant=merchant).filter(image_checked_hash="", image_hash="")
    return set(never.values_list("id", flat=True))


PRODUCT_PAGE_COLUMNS = ("name", "code", "barcodes", "group_id", "price", "quantity", "measure_name",
                        "allow_to_sell", "removed", "image_url", "thumbnail")  # fmt: skip


def store_products(*, store, group=None, query: str = "", with_removed: bool = False) -> QuerySet:
    """The store's products as the products page lists them: by name, only the columns it shows.

    The store is the merchant's (the view checked it), so its products are; filtering by the store
    alone (and no join: group names come with the store's groups) lets the count read the
    (store, removed, name) index alone, without the rows."""
    products = Product.objects.filter(store=store)
    if group is not None:
        products = products.filter(group=group)
    if query:
        products = products.filter(search_text__contains=fold_for_search(query))
    if not with_removed:
        products = products.filter(removed=False)
    return products.order_by("name", "pk").values(*PRODUCT_PAGE_COLUMNS)


def catalog_being_read(*, merchant) -> bool:
    """A refresh cut at its task's deadline goes on in a next task (`CatalogRead`, not stale yet): the catalog is
    half read, and a sync plans only from a whole one."""
    return CatalogRead.objects.filter(merchant=merchant, updated_at__gte=catalog_read_stale_before()).exists()


def catalog_read_stale_before() -> datetime:
    """A cut read whose last step is older than this went stale (CATALOG_READ_STALE_SECONDS): it is started over."""
    return timezone.now() - timedelta(seconds=settings.CATALOG_READ_STALE_SECONDS)
