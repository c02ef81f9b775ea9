"""The `sale_to_vk` phase of `make bench` (issue 15): sales at the register reaching VK through the fast path.

EvoSync runs as in production for this phase: gunicorn answers Evotor's notifications, a Celery worker runs the
debounced stock recheck and the stock push. The Evotor emulator (in the orchestrator) sells one product per
receipt, spread evenly over the window, and posts each receipt to EvoSync as Evotor would; a watcher reads the
VK emulator's items until each holds the stock left after its sale.

Scaled like the other phases (`Scenario.time_factor`, VK's rate ×10 by default): 200 receipts over 60 s and
a debounce of STOCK_SYNC_DEBOUNCE_SECONDS (30 s) become 6 s and 3 s; latencies are also given at VK's real rate
(× the time factor). Targets: p95 ≤ debounce + 15 s (real), VK requests per receipt ≤ 0.2, no full refresh
(no product list read from Evotor, no full sync run).
"""

import math
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from tools.bench import vkcost
from tools.bench.workers import JobFailed

REAL_WINDOW_SECONDS = 60
REAL_SLACK_SECONDS = 15  # the target: p95 ≤ the debounce + 15 s
RECEIPTS = 200  # for 10,000 products; fewer for a smaller shop (--quick: 20)
RECEIPTS_MIN = 20  # so the p95 means something, for a shop big enough to sell that many
CATALOG_SHARE_MAX = 0.25  # one product per receipt, at most a quarter of the catalog (about 60 % is on sale in VK)
REQUESTS_PER_RECEIPT_MAX = 0.2
LIST_READ = "GET /stores/{store_id}/products"
WORKER_START_SECONDS = 120


@dataclass
class Sale:
    product_id: str
    vk_item_id: int
    sent: float = 0.0
    expected: int | None = None
    seen: float | None = None


def receipts_for(products: int) -> int:
    """Receipts for a shop of `products`: 200 for 10,000, at least 20, and in a tiny shop (a test's) a quarter
    of its products, so there are that many on sale in VK to sell."""
    scaled = max(RECEIPTS_MIN, round(RECEIPTS * min(1.0, products / 10_000)))
    return max(1, min(scaled, int(products * CATALOG_SHARE_MAX)))


def phase_env(runner, debounce: float) -> dict:
    """The production processes' environment: the bench's, a broker folder of its own (the earlier phases' queued
    tasks stay unread), the fast path's waits scaled by the time factor."""
    factor = runner.scenario.time_factor
    folder = runner.var_dir / "broker-sale-to-vk"
    shutil.rmtree(folder, ignore_errors=True)  # an earlier run's leftover messages are not this run's receipts
    return {
        **runner.workers.env,
        "LOG_LEVEL": "INFO",  # the worker's «ready» line, waited for before the first receipt
        "CELERY_BROKER_FOLDER": str(folder),
        "CELERY_BROKER_POLLING_SECONDS": "0.05",
        "STOCK_SYNC_DEBOUNCE_SECONDS": f"{debounce:.3f}",
        "STOCK_RECHECK_RETRY_SECONDS": f"{10 / factor:.3f}",
        "STOCK_PUSH_RETRY_SECONDS": f"{5 / factor:.3f}",
    }


def run_phase(runner, key: str = "m1") -> dict:
    """Set up (stock sent to VK, a full sync to put it there), serve EvoSync, sell, watch VK; returns the row."""
    scenario, world = runner.scenario, runner.world
    factor = scenario.time_factor
    debounce, window = settings.STOCK_SYNC_DEBOUNCE_SECONDS / factor, REAL_WINDOW_SECONDS / factor
    count = receipts_for(scenario.products)
    if count < RECEIPTS_MIN:
        runner.notes.append(
            f"sale_to_vk: {count} receipts only (a shop of {scenario.products} products): its p95 says little"
        )
    merchant = world.merchants[key]
    runner.workers.run("collectstatic")  # gunicorn serves pages with the static files' manifest
    setup = runner.workers.run("sale_setup", merchant_id=runner.ids[key], count=count)["out"]
    sales = [Sale(product_id, item_id) for product_id, item_id in setup["products"]]
    from tools.bench.web import Gunicorn  # web imports the runner, which imports this module

    env = phase_env(runner, debounce)
    web = Gunicorn(env, workers=2, cwd=settings.BASE_DIR, port=int(os.environ.get("BENCH_SALE_PORT") or 0) or None)
    worker_log = runner.var_dir / "sale-to-vk-worker.log"
    with open(worker_log, "w") as log:
        worker = subprocess.Popen(  # noqa: S603 - our own command line
            [sys.executable, "-m", "celery", "-A", "evosync", "worker", "--pool=threads", "--concurrency=4",
             "--loglevel=INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"],
            env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        web.wait_ready()
        _wait_until_ready(worker, worker_log)
        world.evotor.notify_to(web.url, {setup["evotor_user_id"]: setup["user_token"]})
        figures = _sell_and_watch(runner, merchant, sales, window=window, debounce=debounce)
    except RuntimeError as error:  # EvoSync did not start: the run reports what it measured so far
        raise JobFailed(f"sale_to_vk: {error}") from error
    finally:
        world.evotor.notify_to("", {})
        web.stop()
        worker.terminate()
        worker.wait(timeout=30)
    runs = runner.workers.run("sale_runs", merchant_id=runner.ids[key], since=figures["started_at"])["out"]
    return _row(figures, runs, sales, factor=factor, debounce=debounce)


def _wait_until_ready(worker: subprocess.Popen, log) -> None:
    """The worker takes tasks (its log says «ready»): a receipt's clock must not include the worker's start."""
    deadline = time.monotonic() + WORKER_START_SECONDS
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the Celery worker stopped:\n{log.read_text(errors='replace')[-2000:]}")
        if " ready." in log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the Celery worker did not start in {WORKER_START_SECONDS} s")


def _sell_and_watch(runner, merchant, sales: list[Sale], *, window: float, debounce: float) -> dict:
    world = runner.world
    items = world.vk.shop(merchant.group_id).items
    log_start, evotor_start = len(world.vk.request_log), dict(world.evotor.request_counts)
    done = threading.Event()
    watcher = threading.Thread(target=_watch, args=(items, sales, done), daemon=True)
    started_at, start = time.time(), time.monotonic()
    watcher.start()
    for number, sale in enumerate(sales):
        time.sleep(max(0.0, start + number * window / len(sales) - time.monotonic()))
        sale.sent = time.monotonic()
        receipt = world.evotor.sell(merchant.evotor_token, sale.product_id, 1)
        sale.expected = max(0, math.floor(_left(world, merchant, sale.product_id)))
        if not receipt:
            break
    done.wait(timeout=window + 6 * debounce + 60)
    finished = time.monotonic()
    entries = [e for e in world.vk.request_log[log_start:] if e.get("user_id") == merchant.vk_user_id]
    evotor_reads = {k: v - evotor_start.get(k, 0) for k, v in world.evotor.request_counts.items()}
    return {
        "started_at": started_at,
        "wall_s": finished - start,
        "entries": entries,
        "evotor_requests": sum(evotor_reads.values()),
        "list_reads": evotor_reads.get(LIST_READ, 0),
        "delivered": sum(1 for _path, status in world.evotor.deliveries[-len(sales) :] if status == 200),
    }


def _left(world, merchant, product_id: str) -> float:
    return float(world.evotor.product(merchant.evotor_token, product_id).get("quantity") or 0)


def _watch(items: dict, sales: list[Sale], done: threading.Event) -> None:
    """Every 5 ms: which sales VK now shows (the item's stock is the stock left after the sale, or less)."""
    while True:
        waiting = [s for s in sales if s.seen is None]
        if not waiting:
            done.set()
            return
        now = time.monotonic()
        for sale in waiting:
            item = items.get(sale.vk_item_id)
            if sale.expected is None or item is None:
                continue
            if (item.stock_amount is not None and item.stock_amount <= sale.expected) or (
                sale.expected == 0 and item.hidden
            ):
                sale.seen = now
        time.sleep(0.005)


def _row(figures: dict, runs: dict, sales: list[Sale], *, factor: float, debounce: float) -> dict:
    latencies = sorted(s.seen - s.sent for s in sales if s.seen is not None)
    vk = vkcost.log_figures(figures["entries"])
    p50 = statistics.median(latencies) if latencies else None
    p95 = latencies[min(len(latencies) - 1, math.ceil(0.95 * len(latencies)) - 1)] if latencies else None
    row = {
        "phase": "sale_to_vk",
        "wall_s": figures["wall_s"],
        "receipts": len(sales),
        "receipts_delivered": figures["delivered"],
        "unseen": sum(1 for s in sales if s.seen is None),
        "latency_p50_s": p50,
        "latency_p95_s": p95,
        "latency_p50_real_s": p50 * factor if p50 is not None else None,
        "latency_p95_real_s": p95 * factor if p95 is not None else None,
        "latency_p95_target_real_s": debounce * factor + REAL_SLACK_SECONDS,
        "vk_requests_per_receipt": vk["vk_requests"] / len(sales) if sales else None,
        "full_refreshes": figures["list_reads"],
        "full_syncs": runs["full"],
        "stock_runs": runs["stock"],
        "evotor_requests": figures["evotor_requests"],
        "minimal_requests": None,
        "bound_s": None,
        "db_queries": None,
        "peak_rss_mb": None,
        "naive_requests": None,
        "naive_wall_s": None,
    }
    row.update(vk)
    return row


def targets(by: dict) -> list[tuple[str, str, bool]]:
    """The phase's targets for `report.targets`."""
    row = by.get("sale_to_vk")
    if not row:
        return []
    out = []
    p95, limit = row.get("latency_p95_real_s"), row["latency_p95_target_real_s"]
    if p95 is not None and not row["unseen"]:
        out.append((f"sale → VK: p95 ≤ debounce + 15 s = {limit:.0f} s (at VK's rate)", f"{p95:.1f} s", p95 <= limit))
    else:
        out.append(("sale → VK: every sale reaches VK", f"{row['unseen']} never seen", False))
    per = row["vk_requests_per_receipt"]
    out.append(("sale → VK: VK requests per receipt ≤ 0.2", f"{per:.3f}", per <= REQUESTS_PER_RECEIPT_MAX))
    full = row["full_refreshes"] + row["full_syncs"]
    out.append(("sale → VK: zero full refreshes (catalog list reads, full syncs)", str(full), full == 0))
    return out


# ----- the jobs, run in a worker process ----------------------------------------------------------


def sale_setup(*, merchant_id: int, count: int) -> dict:
    """Stock goes to VK (a full sync puts it there), then `count` products on sale with their VK items, and the
    user token EvoSync issued (Evotor's notifications carry it)."""
    from django.contrib.auth import get_user_model

    from catalog.selectors import published_products
    from connections.models import EvotorConnection
    from vksync import runs
    from vksync.engine import run_sync
    from vksync.models import ProductLink, SyncRun, SyncSettings
    from webhooks.services import api_token_for

    merchant = get_user_model().objects.get(pk=merchant_id)
    # The earlier phases ran their syncs themselves: the runs their catalog refreshes queued have no task to come
    # (their messages stay in a broker folder no worker reads). Left queued, they would absorb every stock push.
    for queued in SyncRun.objects.filter(merchant=merchant, status=SyncRun.Status.QUEUED):
        runs.drop_unclaimed(queued)
    SyncSettings.objects.filter(merchant=merchant).update(send_stock=True, enabled=True)
    run = run_sync(merchant=merchant, trigger="command", confirmed=True)
    if run is None or run.status != "done":
        raise RuntimeError(f"the sync that puts stock into VK ended {getattr(run, 'status', 'refused')}")
    on_sale = published_products(merchant=merchant).filter(quantity__gte=3, allow_to_sell=True)
    links = ProductLink.objects.filter(
        merchant=merchant, product__in=on_sale, state="active", vk_item_id__isnull=False
    ).order_by("product__evotor_id")
    chosen = list(links.values_list("product__evotor_id", "vk_item_id")[:count])
    if len(chosen) < count:
        raise RuntimeError(f"only {len(chosen)} products on sale in VK, {count} wanted")
    evotor_user_id = EvotorConnection.objects.get(merchant=merchant).evotor_user_id
    return {
        "products": chosen,
        "evotor_user_id": evotor_user_id,
        "user_token": api_token_for(evotor_user_id),
        "stock_sync": run.updated,
    }


def sale_runs(*, merchant_id: int, since: float) -> dict:
    """Sync runs made since `since` (epoch): stock pushes and any other (a full sync would be one)."""
    from datetime import UTC, datetime

    from vksync.models import SyncRun

    made = SyncRun.objects.filter(merchant_id=merchant_id, created_at__gte=datetime.fromtimestamp(since, tz=UTC))
    stock = made.filter(trigger=SyncRun.Trigger.STOCK).exclude(status=SyncRun.Status.QUEUED)
    return {"stock": stock.count(), "full": made.exclude(trigger=SyncRun.Trigger.STOCK).count()}


JOBS = {"sale_setup": sale_setup, "sale_runs": sale_runs}
