"""run_sync: refresh the VK cache, plan, apply, record — one run at a time per merchant.

Triggers (button, schedule, Evotor refresh and events, manage.py) all go through
`request_sync`; a trigger that arrives during a run marks the merchant dirty and
exactly one more run follows.
"""

import contextlib
import hashlib
import logging
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from catalog.models import ProductGroup
from catalog.selectors import published_products
from connections.evotor import EvotorClient, EvotorError
from connections.models import EvotorConnection, VkConnection
from core.locks import merchant_lock
from vksync import planning, rules
from vksync.applying import apply_plan
from vksync.models import VkAlbum, VkItem
from vksync.sync_models import AlbumLink, ProductLink, SyncRun, SyncSettings, VkPhoto

log = logging.getLogger(__name__)

PRODUCT_FIELDS = (
    "id",
    "evotor_id",
    "name",
    "price",
    "quantity",
    "allow_to_sell",
    "description",
    "article_number",
    "barcodes",
    "measure_name",
    "parent_evotor_id",
    "image_url",
    "image_hash",
)
ALBUM_TITLE_MAX = 128
ACTIVE = (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)
# A run that failed for a reason that passes (VK busy, network): the task tries again later.
TRANSIENT_FAILURE = "VK временно недоступен"


class SyncNotPossible(Exception):
    """The merchant lacks a working VK connection (or community): nothing can be synced."""


def settings_for(merchant) -> SyncSettings:
    sync_settings, _ = SyncSettings.objects.get_or_create(merchant=merchant)
    return sync_settings


# --- triggers ---------------------------------------------------------------------------------------------------
def request_sync(*, merchant, trigger: str, confirmed: bool = False, countdown: int = 0) -> SyncRun | None:
    """Queue a sync unless one is already waiting; during a running sync, mark the merchant dirty.

    Returns the queued run (new or already waiting), or None when the merchant was marked dirty.
    """
    from vksync.sync_tasks import sync_merchant

    settings_for(merchant)
    stale = timezone.now() - timedelta(seconds=settings.SYNC_STALE_SECONDS)
    waiting = SyncRun.objects.filter(merchant=merchant, status=SyncRun.Status.QUEUED, created_at__gte=stale).first()
    if waiting and not confirmed:
        return waiting
    if _running(merchant).filter(heartbeat_at__gte=stale).exists():  # a live run: one more follows it
        SyncSettings.objects.filter(merchant=merchant).update(dirty=True)
        return None
    run = SyncRun.objects.create(merchant=merchant, trigger=trigger)
    transaction.on_commit(
        lambda: sync_merchant.apply_async(
            kwargs={"merchant_id": merchant.pk, "run_id": run.pk, "confirmed": confirmed}, countdown=countdown
        )
    )
    return run


def catalog_changed(*, merchant, trigger: str = SyncRun.Trigger.WEBHOOK) -> SyncRun | None:
    """Evotor told us the catalog moved: sync soon, once for a burst of changes (debounced)."""
    sync_settings = settings_for(merchant)
    if not sync_settings.enabled or not _connected(merchant):
        return None
    countdown = settings.SYNC_DEBOUNCE_SECONDS if trigger == SyncRun.Trigger.WEBHOOK else 0
    return request_sync(merchant=merchant, trigger=trigger, countdown=countdown)


def sync_all_shops() -> int:
    """Queue a scheduled sync for every merchant whose sync is on; returns how many were asked."""
    asked = 0
    enabled = SyncSettings.objects.filter(enabled=True).exclude(merchant__status="suspended").select_related("merchant")
    for sync_settings in enabled.iterator():
        if _connected(sync_settings.merchant):
            request_sync(merchant=sync_settings.merchant, trigger=SyncRun.Trigger.SCHEDULE)
            asked += 1
    return asked


def confirm_plan(*, merchant) -> SyncRun | None:
    """The merchant saw the plan and agreed: sync is switched on and the run goes past the brake once."""
    SyncSettings.objects.filter(merchant=merchant).update(enabled=True)
    SyncRun.objects.filter(merchant=merchant, status=SyncRun.Status.NEEDS_CONFIRMATION).update(
        status=SyncRun.Status.STOPPED, error="План подтверждён, запущена новая синхронизация"
    )
    return request_sync(merchant=merchant, trigger=SyncRun.Trigger.CONFIRM, confirmed=True)


def retry_item(*, merchant, link: ProductLink) -> SyncRun | None:
    """Push one failed item again on the next run (its hash is forgotten, so the plan includes it)."""
    ProductLink.objects.filter(pk=link.pk, merchant=merchant).update(
        pushed_hash="", last_error="", last_error_code=None
    )
    return request_sync(merchant=merchant, trigger=SyncRun.Trigger.RETRY)


def _running(merchant):
    return SyncRun.objects.filter(merchant=merchant, status=SyncRun.Status.RUNNING)


def _connected(merchant) -> bool:
    return VkConnection.objects.filter(merchant=merchant, group_id__isnull=False).exclude(status="broken").exists()


# --- one run -----------------------------------------------------------------------------------------------------
def run_sync(
    *, merchant, trigger: str = SyncRun.Trigger.MANUAL, run: SyncRun | None = None, dry_run=False, confirmed=False
) -> SyncRun | None:
    """Run one sync for the merchant now; None when another run holds the merchant (it is marked dirty).

    A dry run plans and records the plan without writing to VK.
    """
    run = run or SyncRun.objects.create(merchant=merchant, trigger=trigger, dry_run=dry_run)
    with _sync_lock(merchant) as acquired:
        if not acquired or not _claim(run):
            SyncSettings.objects.filter(merchant=merchant).update(dirty=True)
            SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.QUEUED).delete()
            return None
        try:
            _execute(run, dry_run=dry_run, confirmed=confirmed)
        except Exception:
            _fail(run, "Внутренняя ошибка EvoSync: синхронизация прервана, следующая продолжит с того же места")
            raise
    run.refresh_from_db()
    return run


def run_pending(*, merchant) -> SyncRun | None:
    """After a run: when a trigger came during it, run exactly once more."""
    if SyncSettings.objects.filter(merchant=merchant, dirty=True).update(dirty=False):
        return request_sync(merchant=merchant, trigger=SyncRun.Trigger.WEBHOOK)
    return None


@contextlib.contextmanager
def _sync_lock(merchant):
    """The Redis lock when Redis answers; the database claim (`_claim`) guards either way."""
    manager = merchant_lock("vk-sync", merchant.pk, timeout=settings.SYNC_LOCK_SECONDS)
    try:
        acquired = manager.__enter__()
    except _redis_errors() as error:
        log.warning("sync lock unavailable, relying on the database", extra={"error": str(error)})
        yield True
        return
    try:
        yield acquired
    finally:
        try:
            manager.__exit__(None, None, None)
        except _redis_errors() as error:  # Redis restarted during the run: the lock died with it
            log.warning("sync lock not released", extra={"error": str(error)})


def _redis_errors():
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is a dependency
        return ()
    return (RedisConnectionError, RedisTimeoutError)


def _claim(run: SyncRun) -> bool:
    """Mark the run running unless another one is alive; runs whose heartbeat stopped are closed as interrupted."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.SYNC_STALE_SECONDS)
    with transaction.atomic():
        SyncSettings.objects.select_for_update().get_or_create(merchant=run.merchant)
        running = _running(run.merchant).exclude(pk=run.pk)
        if running.filter(heartbeat_at__gte=stale).exists():
            return False
        running.update(
            status=SyncRun.Status.FAILED, finished_at=now, error="Прервано: процесс синхронизации остановился"
        )
        SyncRun.objects.filter(merchant=run.merchant, status=SyncRun.Status.QUEUED, created_at__lt=stale).exclude(
            pk=run.pk
        ).update(status=SyncRun.Status.STOPPED, finished_at=now, error="Не запущено: заменено более новым запуском")
        SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.RUNNING, started_at=now, heartbeat_at=now)
    return True


def _execute(run: SyncRun, *, dry_run: bool, confirmed: bool) -> None:
    from connections.services_vk import run_with_vk
    from connections.vk import VkConnectionBroken, VkError, VkRateLimitReached, VkTransientError

    merchant, used = run.merchant, []

    def work(client) -> None:
        # Run again from the top after a token refresh: reading, planning and applying are idempotent.
        used.append(client)
        started = time.monotonic()
        _refresh_vk_cache(merchant, client, connection.group_id)
        read_at = time.monotonic()
        SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
        sync_settings = settings_for(merchant)
        plan, sources = build_plan(merchant=merchant, sync_settings=sync_settings, group_id=connection.group_id)
        seconds = {"read": round(read_at - started, 3), "plan": round(time.monotonic() - read_at, 3)}
        log.info("sync planned", extra={"run_id": run.pk, "seconds": seconds, "writes": plan.writes})
        _finish_plan(
            run,
            plan,
            dry_run=dry_run,
            confirmed=confirmed,
            sync_settings=sync_settings,
            client=client,
            connection=connection,
            photo_sources=sources,
        )

    try:
        connection = _vk_connection(merchant)
        run_with_vk(connection=connection, action=work)
    except SyncNotPossible as error:
        _fail(run, str(error))
    except VkConnectionBroken as error:
        _mark_broken(merchant, error)
        _fail(run, f"Подключение VK не работает: {error.reason}")
    except VkRateLimitReached:
        _close(run, SyncRun.Status.STOPPED, "VK исчерпал дневной лимит запросов: продолжим позже")
    except VkTransientError as error:
        _fail(run, f"{TRANSIENT_FAILURE}: {error}")
    except VkError as error:
        _fail(run, f"VK не ответил: {getattr(error, 'reason', '') or error}")
    finally:
        _record_requests(run, used)


def _finish_plan(run, plan, *, dry_run, confirmed, sync_settings, client, connection, photo_sources) -> None:
    summary = plan.summary()
    SyncRun.objects.filter(pk=run.pk).update(plan_summary=summary)
    if dry_run:
        return _close(run, SyncRun.Status.DONE, "")
    if not confirmed and not sync_settings.enabled:
        return _close(run, SyncRun.Status.NEEDS_CONFIRMATION, "Проверьте план первой синхронизации и подтвердите его")
    if not confirmed and plan.brake:
        share = round(float(plan.brake_limit) * 100)
        reason = f"Синхронизация скрыла бы {plan.leaving} из {plan.shop_size} товаров (больше {share}%): подтвердите"
        previous = SyncRun.objects.filter(merchant=run.merchant, dry_run=False).exclude(pk=run.pk).first()
        if previous is None or previous.status != SyncRun.Status.NEEDS_CONFIRMATION:  # one mail, not one per trigger
            _mail(run.merchant, "синхронизация ждёт вашего подтверждения", reason)
        return _close(run, SyncRun.Status.NEEDS_CONFIRMATION, reason)
    loader = _photo_loader(connection.merchant, photo_sources)
    default_sha = next((sha for sha, source in photo_sources.items() if source.startswith("file:")), "")
    counts = apply_plan(
        plan=plan, run=run, client=client, group_id=connection.group_id, load_photo=loader, default_sha=default_sha
    )
    fields = {k: getattr(counts, k) for k in ("created", "updated", "hidden", "deleted", "adopted", "failed")}
    SyncRun.objects.filter(pk=run.pk).update(**fields)
    VkConnection.objects.filter(pk=connection.pk).update(status="ok", last_checked_at=timezone.now(), last_error="")
    _close(run, SyncRun.Status.DONE, "")
    if plan.writes:
        _queue_vk_shop_refresh(run)
    return None


def _queue_vk_shop_refresh(run: SyncRun) -> None:
    """The run is done when VK has everything; reading the shop back for the VK pages is a job of its own.

    (The next run reads the shop first anyway, so no plan depends on it.)"""
    from vksync.tasks import refresh_vk_shop

    try:
        refresh_vk_shop.delay(run.merchant_id)
    except Exception as error:  # noqa: BLE001 - a broker hiccup must not undo a finished sync; the hourly refresh comes
        log.warning(
            "VK shop refresh not queued after sync", extra={"merchant_id": run.merchant_id, "error": str(error)}
        )


def _close(run: SyncRun, status: str, error: str) -> None:
    SyncRun.objects.filter(pk=run.pk).update(status=status, error=error, finished_at=timezone.now())


def _fail(run: SyncRun, reason: str) -> None:
    _close(run, SyncRun.Status.FAILED, reason)
    last = list(
        SyncRun.objects.filter(merchant=run.merchant, dry_run=False)
        .exclude(status__in=[*ACTIVE, SyncRun.Status.STOPPED])
        .order_by("-created_at", "-id")
        .values_list("status", flat=True)[:3]
    )
    failed = SyncRun.Status.FAILED
    if last[:2] == [failed, failed] and (len(last) < 3 or last[2] != failed):  # the second in a row, not every one
        _mail(run.merchant, "Синхронизация с VK не удалась два раза подряд", f"Причина: {reason}")


def _mark_broken(merchant, error) -> None:
    VkConnection.objects.filter(merchant=merchant).update(
        status="broken", last_error=error.reason, last_checked_at=timezone.now()
    )
    _mail(merchant, "Подключение VK перестало работать", f"Причина: {error.reason}")


def _mail(merchant, subject: str, text: str) -> None:
    body = (
        f"Здравствуйте!\n\n{text}\n\nСостояние синхронизации: {settings.BASE_URL}/sync\n"
        f"Подключения: {settings.BASE_URL}/connections\n\nEvoSync"
    )
    send_mail(f"EvoSync: {subject}", body, None, [merchant.email], fail_silently=True)


def _record_requests(run: SyncRun, clients: list) -> None:
    """VK requests this run sent (HTTP requests, and API calls by method inside them)."""
    by_method: dict[str, int] = {}
    for client in clients:
        for method, count in client.method_counts.items():
            by_method[method] = by_method.get(method, 0) + count
    total = sum(client.request_count for client in clients)
    SyncRun.objects.filter(pk=run.pk).update(requests={"total": total, "by_method": by_method})


# --- inputs -----------------------------------------------------------------------------------------------------
def _vk_connection(merchant) -> VkConnection:
    connection = VkConnection.objects.filter(merchant=merchant).first()
    if connection is None or not connection.access_token or not connection.group_id:
        raise SyncNotPossible("VK не подключён: подключите сообщество на странице «Подключения»")
    if connection.status == VkConnection.Status.BROKEN:
        raise SyncNotPossible(f"Подключение VK не работает: {connection.last_error or 'проверьте его'}")
    return connection


def _refresh_vk_cache(merchant, client, group_id: int) -> None:
    """Read the VK shop first: items deleted by hand and items of a crashed run are seen, not guessed."""
    from vksync.services import read_vk_shop, store_vk_shop

    store_vk_shop(merchant=merchant, group_id=group_id, pages=read_vk_shop(client, group_id))


def build_plan(*, merchant, sync_settings: SyncSettings, group_id: int) -> tuple[planning.Plan, dict]:
    """Load the desired state, the mapping and the VK cache; return the plan and sha → image source."""
    default_sha, default_source = default_photo(sync_settings)
    desired, album_titles, sources = desired_items(merchant, sync_settings, default_sha)
    sources[default_sha] = default_source
    wanted = {item.product_id for item in desired}
    links, orphans = {}, []
    rows = ProductLink.objects.filter(merchant=merchant).values_list(
        "id", "product_id", "sku", "vk_item_id", "vk_album_id", "pushed_hash", "state", "hidden_at", "group_id"
    )
    for pk, product_id, sku, vk_id, album_id, pushed, state, hidden_at, link_group in rows.iterator(chunk_size=5000):
        if link_group != group_id:  # a link into another community: that item is not in this shop
            vk_id, album_id = None, None
        link = planning.LinkState(pk, product_id, sku, vk_id, album_id, pushed, state, hidden_at)
        if product_id in wanted:
            links[product_id] = link
        else:
            orphans.append(link)
    plan = planning.plan_sync(
        desired=desired,
        album_titles=album_titles,
        links=links,
        orphan_links=orphans,
        vk_items=_cached_items(merchant, group_id),
        vk_albums=dict(VkAlbum.objects.filter(merchant=merchant, group_id=group_id).values_list("vk_id", "title")),
        album_links={
            key: planning.AlbumState(album_id, title)
            for key, album_id, title in AlbumLink.objects.filter(merchant=merchant, group_id=group_id).values_list(
                "group_evotor_id", "vk_album_id", "pushed_title"
            )
        },
        photos=set(VkPhoto.objects.filter(group_id=group_id).values_list("sha256", flat=True)),
        policy=planning.Policy(
            delete_unavailable=sync_settings.unavailable_action == SyncSettings.UnavailableAction.DELETE,
            delete_grace_days=sync_settings.delete_grace_days,
            brake_share=sync_settings.brake_share,
            now=timezone.now(),
        ),
    )
    return plan, sources


def desired_items(merchant, sync_settings: SyncSettings, default_sha: str):
    """Every published product as a DesiredItem, streamed from the database in chunks."""
    item_rules = rules.Rules.from_settings(sync_settings)
    group_names = dict(ProductGroup.objects.filter(merchant=merchant).values_list("evotor_id", "name"))
    desired, album_titles, sources = [], {}, {}
    products = published_products(merchant=merchant).order_by().values(*PRODUCT_FIELDS)
    for product in products.iterator(chunk_size=2000):
        fields = rules.item_fields(product, item_rules)
        photo_sha = product["image_hash"] if product["image_url"] and product["image_hash"] else default_sha
        if photo_sha != default_sha:
            sources[photo_sha] = product["image_url"]
        album_key = product["parent_evotor_id"] if item_rules.albums_per_group else None
        if album_key not in group_names:
            album_key = None
        if album_key:
            album_titles[album_key] = (group_names[album_key] or "Без названия")[:ALBUM_TITLE_MAX]
        sku = fields["sku"]
        item_hash = rules.pushed_hash(fields, photo_sha)
        desired.append(planning.DesiredItem(product["id"], sku, fields, photo_sha, item_hash, album_key))
    return desired, album_titles, sources


def _cached_items(merchant, group_id: int) -> dict[int, planning.CachedItem]:
    rows = VkItem.objects.filter(merchant=merchant, group_id=group_id).values_list("vk_id", "sku", "album_ids")
    return {
        vk_id: planning.CachedItem(vk_id, sku or "", tuple(album_ids or ()))
        for vk_id, sku, album_ids in rows.iterator(chunk_size=5000)
    }


def default_photo(sync_settings: SyncSettings) -> tuple[str, str]:
    """sha256 and path of the picture for products without one (the merchant's upload, else the setting)."""
    if sync_settings.default_photo:
        path = sync_settings.default_photo.path
    else:
        path = Path(settings.VK_DEFAULT_PHOTO_PATH)
        path = str(path if path.is_absolute() else settings.BASE_DIR / path)
    return hashlib.sha256(Path(path).read_bytes()).hexdigest(), f"file:{path}"


def _photo_loader(merchant, sources: dict):
    """sha → (bytes, filename): the default picture from disk, product images from Evotor.

    The Evotor client is made here, so `load` touches no database and may run in the upload thread."""
    client = None
    if any(not source.startswith("file:") for source in sources.values()):
        connection = EvotorConnection.objects.filter(merchant=merchant).first()
        client = EvotorClient(connection.token if connection else "")

    def load(sha: str) -> tuple[bytes, str]:
        source = sources[sha]
        if source.startswith("file:"):
            path = Path(source[5:])
            return path.read_bytes(), path.name
        name = source.rsplit("/", 1)[-1] or "photo.jpg"
        try:
            return client.download(source), name
        except EvotorError as error:  # the item goes without its picture this time; the next run tries again
            raise ValueError(error.reason) from error

    return load


def on_catalog_changed(sender, *, merchant, trigger: str = SyncRun.Trigger.WEBHOOK, **kwargs) -> None:
    """Receiver of connections.signals.catalog_changed (sent by catalog refreshes and Evotor webhooks)."""
    if trigger not in SyncRun.Trigger.values:
        trigger = SyncRun.Trigger.WEBHOOK
    try:
        catalog_changed(merchant=merchant, trigger=trigger)
    except Exception:  # noqa: BLE001 - a sync that cannot be queued must never break the sender
        log.exception("could not queue a sync after a catalog change", extra={"merchant_id": merchant.pk})
