"""The work a worker process runs, one job per process: set-up, Evotor refresh, VK refresh, sync, naive, pages.

Every job goes through EvoSync's public service functions, exactly as the Celery tasks do.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.models import User


def migrate() -> dict:
    call_command("migrate", verbosity=0, interactive=False)
    return {}


def setup_merchants(*, merchants: list[dict]) -> dict:
    """Merchants with a working Evotor and VK connection each; returns {key: merchant id}."""
    from connections.models import EvotorConnection, VkConnection

    ids = {}
    for m in merchants:
        user = get_user_model().objects.create_user(
            m["email"], "bench-password-1", full_name=m["name"], status=User.Status.ACTIVE
        )
        EvotorConnection.objects.create(
            merchant=user, evotor_user_id=m["evotor_user_id"], token=m["evotor_token"], installed=True, status="ok"
        )
        VkConnection.objects.create(
            merchant=user,
            access_token=m["vk_token"],
            source=VkConnection.Source.MANUAL,
            vk_user_id=m["vk_user_id"],
            vk_user_name=m["name"],
            group_id=m["group_id"],
            group_name=m["name"],
            status="ok",
        )
        ids[m["key"]] = user.pk
    return ids


def _merchant(merchant_id: int):
    return get_user_model().objects.get(pk=merchant_id)


def evotor_refresh(*, merchant_id: int) -> dict:
    from catalog.services import refresh_catalog

    result = refresh_catalog(merchant=_merchant(merchant_id))
    if not result.ok:
        raise RuntimeError(f"catalog refresh {result.status}: {result.error}")
    fields = ("products", "created", "changed", "removed", "images_checked", "images_downloaded", "requests")
    return {name: getattr(result, name) for name in fields}


def select_stores(*, merchant_id: int) -> dict:
    """The merchant chooses every store for VK (groups are on by default)."""
    from catalog.models import Store
    from catalog.services import set_store_sync

    stores = list(Store.objects.filter(merchant_id=merchant_id, removed=False))
    for store in stores:
        set_store_sync(store=store, enabled=True)
    return {"stores": len(stores)}


def published(*, merchant_id: int) -> dict:
    from catalog.selectors import published_products

    return {"published": published_products(merchant=_merchant(merchant_id)).count()}


def vk_refresh(*, merchant_id: int) -> dict:
    from vkshop.services import refresh_vk_shop

    done = refresh_vk_shop(merchant=_merchant(merchant_id))
    if done is None:
        raise RuntimeError("VK shop refresh did not run (busy or not connected)")
    return {"albums": done.albums, "items": done.items, "requests": done.requests}


def sync(*, merchant_id: int) -> dict:
    """One sync run, confirmed (the merchant approved the plan), as the worker's task runs it."""
    from vksync.engine import run_sync

    run = run_sync(merchant=_merchant(merchant_id), trigger="command", confirmed=True)
    if run is None:
        raise RuntimeError("sync did not run: another run holds the merchant")
    fields = ("status", "error", "created", "updated", "hidden", "deleted", "adopted", "failed", "plan_summary")
    out = {name: getattr(run, name, None) for name in fields}
    if out["status"] != "done":
        raise RuntimeError(f"sync ended {out['status']}: {out['error']}")
    return out


def naive(*, steps_file: str, token: str, group_id: int, base_url: str, known_photos: list[int]) -> dict:
    import json

    from connections.vk.client import VkClient
    from tools.bench.naive import run_naive

    steps = json.loads(Path(steps_file).read_text(encoding="utf-8"))
    client = VkClient(token, base_url=base_url)
    photo = Path(settings.BASE_DIR) / "static" / "img" / "default-product.png"
    return run_naive(client, steps, group_id=group_id, photo=photo, known_photos=known_photos)


def login_session(*, merchant_id: int) -> dict:
    """A session cookie for the merchant (as after logging in), for the web benchmark's clients."""
    from django.test import Client

    client = Client()
    client.force_login(_merchant(merchant_id))
    return {"cookie": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}


def page_ids(*, merchant_id: int) -> dict:
    """Ids the web benchmark's URLs need: the biggest store, one of its groups, the biggest VK album."""
    from django.db.models import Count

    from catalog.models import ProductGroup, Store
    from vkshop.models import VkItemInAlbum

    store = Store.objects.filter(merchant_id=merchant_id).annotate(n=Count("products")).order_by("-n").first()
    group = ProductGroup.objects.filter(store=store).order_by("pk").first()
    album = (
        VkItemInAlbum.objects.filter(item__merchant_id=merchant_id)
        .values("album_vk_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    from vkshop.models import VkAlbum

    album_pk = VkAlbum.objects.filter(merchant_id=merchant_id, vk_id=album["album_vk_id"]).values_list("pk", flat=True)
    return {"store": store.pk, "group": group.pk if group else None, "album": album_pk.first() if album else None}


def page_queries(*, merchant_id: int, urls: list[str]) -> dict:
    """Queries and status per page, each page asked once in-process by a logged-in test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(_merchant(merchant_id))
    client.get(urls[0])  # warm: session, permissions, template caches
    pages = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        pages[url] = {"status": response.status_code, "queries": len(queries)}
    return pages


JOBS = {
    "migrate": migrate,
    "setup_merchants": setup_merchants,
    "evotor_refresh": evotor_refresh,
    "select_stores": select_stores,
    "published": published,
    "vk_refresh": vk_refresh,
    "sync": sync,
    "naive": naive,
    "login_session": login_session,
    "page_ids": page_ids,
    "page_queries": page_queries,
}


def collectstatic() -> dict:
    call_command("collectstatic", interactive=False, verbosity=0)
    return {}


JOBS["collectstatic"] = collectstatic


def order_to_merchant(**args) -> dict:
    """EvoSync's side of the `order_to_merchant` phase (tools.bench.orders)."""
    from tools.bench.orders import serve_and_measure

    return serve_and_measure(**args)


JOBS["order_to_merchant"] = order_to_merchant


def _phase_jobs() -> None:
    """Jobs of phases kept in modules of their own."""
    from tools.bench import fleet_jobs, sale_to_vk

    JOBS.update(sale_to_vk.JOBS)
    JOBS.update(fleet_jobs.JOBS)


_phase_jobs()
