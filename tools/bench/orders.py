"""The `order_to_merchant` phase: buyers place orders in VK, VK posts them to EvoSync's Callback API (losing some
answers, so it sends those events again), and EvoSync makes each an `Order` and queues the merchant's notices.

Two sides, two processes. Here (the orchestrator, which holds the VK emulator): the community's token, VK's
delivery threads, the orders placed at a steady pace and the moment each was placed. In a worker process
(`serve_and_measure`): EvoSync's web application on a loopback port, a real Celery worker beside it (its own
broker folder), the callback set up through the connection page's service, and, once every order is in, the
figures: from the order placed in VK to its `Order` row, to its notices queued, to its notices sent; orders and
notices made twice (target 0) under VK's repeated events.
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from emulators.vk import callbacks, orders
from tools.bench import vkcost
from tools.bench.workers import Workers

PHASE = "order_to_merchant"
ORDERS = 100
LOST_ANSWERS = 20  # VK hears nothing back for these deliveries and sends the same event again
PLACED_PER_SECOND = 20.0
BUYER_BASE = 700_000
READY_TIMEOUT_SECONDS = 120
DONE_TIMEOUT_SECONDS = 120


def run_phase(runner, key: str = "m1") -> dict:
    """Measure the phase for merchant `key`; the row is added to the runner's rows and returned."""
    world, emu = runner.world, runner.world.vk
    merchant = world.merchants[key]
    token = f"bench-community-{world.run}"
    emu.add_community_token(token, merchant.group_id)
    emu.communities[merchant.group_id].messages_allowed.add(merchant.vk_user_id)
    items = _orderable_items(emu, merchant.group_id)
    folder = runner.var_dir / "orders"
    folder.mkdir(parents=True, exist_ok=True)
    ready, placed = folder / "ready.json", folder / "placed.json"
    for path in (ready, placed):
        path.unlink(missing_ok=True)
    workers = Workers(_broker_env(runner), runner.workers.directory)
    log_start, deliveries_start = len(emu.request_log), len(getattr(emu, "callback_log", []))
    stop_delivery = callbacks.start_delivery(emu, workers=4)
    emu.callback_retry_delay = 0.2
    started = workers.start(
        "order_to_merchant",
        merchant_id=runner.ids[key],
        community_token=token,
        ready_file=str(ready),
        placed_file=str(placed),
        orders=ORDERS,
    )
    try:
        _wait_for(ready, started[0])
        _until_confirmed(emu, merchant.group_id)
        written = placed.with_suffix(".part")
        written.write_text(json.dumps(_place_orders(emu, merchant.group_id, items)), encoding="utf-8")
        os.replace(written, placed)  # whole, or not there: the other side reads it as soon as it appears
        result = workers.finish(started)
    finally:
        stop_delivery.set()
    row = runner.base_row(PHASE, [result], products=0)
    row["broker"] = "redis" if "redis" in workers.env["CELERY_BROKER_URL"] else "filesystem"
    row.update(vkcost.log_figures(emu.request_log[log_start:]))
    row.update(result["out"])
    sent = [entry for entry in emu.callback_log[deliveries_start:] if entry["type"] == "market_order_new"]
    row["callback_deliveries"] = len(sent)
    row["repeated_deliveries"] = len(sent) - len({entry["event_id"] for entry in sent})
    row["callback_answers"] = dict(Counter("ok" if e["answer"] == "ok" else repr(e["answer"])[:40] for e in sent))
    runner.rows.append(row)
    return row


def _broker_env(runner) -> dict:
    """The workers' environment with a broker of this phase's own: Redis, as in production, when REDIS_URL is set
    (the other phases' queued tasks stay in their folder, unconsumed); else a folder (polled once a second)."""
    env = dict(runner.workers.env)
    if env.get("REDIS_URL"):
        return env | {"CELERY_BROKER_URL": env["REDIS_URL"]}
    return env | {"CELERY_BROKER_FOLDER": str(runner.var_dir / "broker-orders")}


def _orderable_items(emu, group_id: int) -> list[int]:
    """Items a buyer can order: those the sync made (given a stock VK counts, so orders reserve it), else new ones."""
    shop = emu.communities[group_id].shop
    live = [item for item in shop.items.values() if item.availability == 0][:ORDERS]
    for item in live:
        item.stock_amount = 50
    while len(live) < ORDERS:
        live.append(shop.items[emu.add_item(group_id, f"Товар {len(live) + 1}", price="199", stock_amount=50)])
    return [item.id for item in live]


def _wait_for(path: Path, process) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{PHASE}: EvoSync's side did not get ready (exit {process.poll()})")
        time.sleep(0.05)


def _until_confirmed(emu, group_id: int) -> None:
    """EvoSync answered the confirmation; VK marks the server working once it has read the answer."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    servers = emu.communities[group_id].callback_servers
    while not any(server.status == "ok" for server in list(servers.values())):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{PHASE}: VK did not confirm EvoSync's callback address")
        time.sleep(0.05)


def _place_orders(emu, group_id: int, items: list[int]) -> dict[str, float]:
    """ORDERS orders at a steady pace, each from its own buyer; {VK order id: when it was placed}."""
    callbacks.lose_callback_answers(emu, LOST_ANSWERS)
    placed = {}
    for number, item_id in enumerate(items):
        order_id = orders.place_order(emu, group_id, BUYER_BASE + number, [(item_id, 1)])
        placed[str(order_id)] = time.time()
        time.sleep(1 / PLACED_PER_SECOND)
    return placed


# ----- the worker process's side ------------------------------------------------------------------


def serve_and_measure(
    *, merchant_id: int, community_token: str, ready_file: str, placed_file: str, orders: int
) -> dict:
    """EvoSync serving VK's callbacks with a Celery worker beside it, until every order and notice is in."""
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application

    from accounts.models import User
    from connections.vk.community import save_community_token, set_up_callback
    from emulators.server import serve_in_thread

    User.objects.filter(pk=merchant_id).update(notify_by_mail=True, notify_by_vk=True)
    connection = save_community_token(merchant=User.objects.get(pk=merchant_id), token=community_token)
    with serve_in_thread(get_wsgi_application()) as url:
        settings.BASE_URL = url
        worker = _celery_worker(url)
        try:
            _until_worker_answers(merchant_id)
            set_up_callback(connection=connection)
            _until(
                lambda: type(connection).objects.filter(pk=connection.pk, callback_confirmed_at__isnull=False).exists()
            )
            Path(ready_file).write_text(json.dumps({"url": url}), encoding="utf-8")
            _until(lambda: Path(placed_file).exists(), DONE_TIMEOUT_SECONDS)
            placed = {int(k): v for k, v in json.loads(Path(placed_file).read_text(encoding="utf-8")).items()}
            complete = _until(lambda: _all_in(merchant_id, len(placed)), DONE_TIMEOUT_SECONDS, give_up=True)
            return figures(merchant_id=merchant_id, placed=placed) | {"complete": complete}
        finally:
            worker.terminate()
            worker.wait(timeout=30)


def _celery_worker(base_url: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "evosync", "worker", "--pool=threads", "--concurrency=8",
               "--loglevel=WARNING", "--without-gossip", "--without-mingle",
               f"--hostname=bench-orders@{socket.gethostname()}"]  # fmt: skip
    return subprocess.Popen(command, env={**os.environ, "BASE_URL": base_url})  # noqa: S603 - our own worker


def _until_worker_answers(merchant_id: int) -> None:
    """A probe notice, sent once the worker took it: the worker is up before the first order is placed."""
    from notifications.models import Notice
    from notifications.tasks import send_notice

    probe = Notice.objects.create(
        merchant_id=merchant_id, key="bench-probe", channel=Notice.Channel.MAIL, subject="probe", text="probe"
    )
    send_notice.delay(probe.pk)
    _until(Notice.objects.filter(pk=probe.pk, status=Notice.Status.SENT).exists, READY_TIMEOUT_SECONDS)


def _until(condition, timeout: float = 60.0, *, give_up: bool = False) -> bool:
    """Wait for `condition`; past `timeout`, False when `give_up` (what came is still measured), else an error."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            if give_up:
                return False
            raise RuntimeError(f"{PHASE}: timed out after {timeout:.0f} s")
        time.sleep(0.05)
    return True


def _all_in(merchant_id: int, expected: int) -> bool:
    from notifications.models import Notice
    from orders.models import Order

    done = Notice.objects.filter(merchant_id=merchant_id, key__startswith="order-new:").exclude(status="queued")
    return Order.objects.filter(merchant_id=merchant_id).count() >= expected and done.count() >= 2 * expected


def figures(*, merchant_id: int, placed: dict[int, float]) -> dict:
    """Latencies from each order placed in VK, and what was made twice."""
    from notifications.models import Notice
    from orders.models import CallbackEvent, Order

    rows = {o.vk_order_id: o for o in Order.objects.filter(merchant_id=merchant_id, vk_order_id__in=list(placed))}
    notices = Notice.objects.filter(merchant_id=merchant_id, key__startswith="order-new:")
    queued, sent = {}, {}
    for notice in notices:
        order_id = int(notice.key.rsplit(":", 1)[1])
        queued.setdefault(order_id, []).append(notice.created_at.timestamp())
        if notice.sent_at:
            sent.setdefault(order_id, []).append(notice.sent_at.timestamp())
    to_row = [rows[i].received_at.timestamp() - at for i, at in placed.items() if i in rows]
    events = CallbackEvent.objects.filter(merchant_id=merchant_id, type="market_order_new")
    kept = {int(e.payload.get("id", 0)): e.received_at.timestamp() for e in events}
    to_kept = [kept[i] - at for i, at in placed.items() if i in kept]
    to_queued = [max(queued[i]) - at for i, at in placed.items() if i in queued]
    to_sent = [max(sent[i]) - at for i, at in placed.items() if len(sent.get(i, [])) == 2]
    by_order = [len(v) for v in queued.values()]
    return {
        "orders": len(placed),
        "order_rows": len(rows),
        "event_kept_p50_s": _quantile(to_kept, 0.5),
        "event_kept_p95_s": _quantile(to_kept, 0.95),
        "order_row_p50_s": _quantile(to_row, 0.5),
        "order_row_p95_s": _quantile(to_row, 0.95),
        "notice_queued_p50_s": _quantile(to_queued, 0.5),
        "notice_queued_p95_s": _quantile(to_queued, 0.95),
        "notice_sent_p95_s": _quantile(to_sent, 0.95),
        "notices_sent": sum(len(v) for v in sent.values()),
        "duplicate_orders": Order.objects.filter(merchant_id=merchant_id).count() - len(rows),
        "duplicate_notices": sum(n - 2 for n in by_order if n > 2),
        "callback_events_kept": CallbackEvent.objects.filter(merchant_id=merchant_id).count(),
    }


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]
