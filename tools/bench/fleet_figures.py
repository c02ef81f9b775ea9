"""`make bench-fleet`'s figures, computed from what the run left: the emulators' logs, SyncRun rows, the probes.

- **Fleet wall time against the ideal** (`first_sync`): from the first confirmed run's creation to the last run's end,
  against the slowest shop's own rate-limit bound: its minimal requests (`vkcost.needed_calls` from an empty shop to
  the shop the run left) ÷ the per-token rate. No schedule can beat it: a token makes `vk_rate` requests a second.
- **VK requests/s against the per-token limits active**: the run is cut into 1 s buckets; a shop's token is active
  from the moment its run is due (created, plus the debounce for a catalog change's sync) until the run ends, so a
  run waiting for a free worker counts; `vk_use` = requests ÷ Σ (active tokens × rate) over the busy buckets (at
  least one token active).
- **Fairness**: for each small shop's run due while a big shop's work is under way (from the first big run's due
  moment to the last big run's end), the delay from due to `SyncRun.started_at` (the claim); p50 and p95, also in
  slices of SYNC_SLICE_SECONDS. When no small run fell in that window, all small runs are counted (`delay_scope`).
- **Worker CPU per item**: the nodes' processes' CPU (user + system from /proc, pool children included) over the
  phase ÷ the items the runs created, edited, hid or deleted. **DB queries per item**: statements the probes counted
  in the phase's tasks ÷ the same items. **Peak RSS**: each worker process's VmHWM.
- **Tasks over the slice budget**: the probes' task durations (task_prerun → task_postrun) longer than the slice.
"""

import math
import statistics
from collections import defaultdict
from datetime import UTC, datetime

from emulators.vk.state import Shop
from tools.bench import vkcost

SETTLED = ("done", "failed", "stopped", "needs_confirmation")
LIVE = ("queued", "running")
DEBOUNCED = ("refresh", "webhook")  # a catalog change's sync is queued with SYNC_DEBOUNCE_SECONDS' countdown
BUSY_BUCKET_SECONDS = 1.0


def attach_database(alias: str, url: str) -> None:
    """The bench database as a second connection of the orchestrator, for reading runs (never counted)."""
    import environ
    from django.db import connections

    config = environ.Env.db_url_config(url)
    configured = connections.configure_settings({"default": dict(connections.settings["default"]), alias: config})
    connections.settings[alias] = configured[alias]


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


def runs_between(alias: str, start: float, end: float) -> list[dict]:
    from vksync.models import SyncRun

    fields = ("merchant_id", "trigger", "status", "created_at", "started_at", "finished_at", "created", "updated",
              "hidden", "deleted", "adopted", "failed", "vk_requests")  # fmt: skip
    rows = SyncRun.objects.using(alias).filter(created_at__gte=_at(start), created_at__lte=_at(end)).values(*fields)
    return [
        {**row, **{k: row[k].timestamp() if row[k] else None for k in ("created_at", "started_at", "finished_at")}}
        for row in rows
    ]


def all_settled(alias: str, since: float, merchants: set[int]) -> bool:
    """No run waiting or running, and each of `merchants` has a run created since `since` that ended."""
    from vksync.models import SyncRun

    runs = SyncRun.objects.using(alias)
    if runs.filter(status__in=LIVE).exists():
        return False
    ended = set(
        runs.filter(created_at__gte=_at(since), status__in=SETTLED).values_list("merchant_id", flat=True).distinct()
    )
    return merchants <= ended


def due(run: dict, debounce_s: float) -> float:
    return run["created_at"] + (debounce_s if run["trigger"] in DEBOUNCED else 0.0)


def items_of(runs: list[dict]) -> int:
    return sum(r["created"] + r["updated"] + r["hidden"] + r["deleted"] for r in runs)


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def vk_use(entries: list[dict], runs: list[dict], *, rate: float, debounce_s: float, start: float, end: float) -> dict:
    """Requests per second achieved against the sum of the active tokens' limits, over the busy buckets."""
    buckets = max(1, math.ceil((end - start) / BUSY_BUCKET_SECONDS))
    requests, active = [0] * buckets, [0] * buckets
    for entry in entries:
        index = int((entry["time"] - start) // BUSY_BUCKET_SECONDS)
        if 0 <= index < buckets:
            requests[index] += 1
    spans = defaultdict(list)
    for run in runs:
        spans[run["merchant_id"]].append((due(run, debounce_s), run["finished_at"] or end))
    for intervals in spans.values():
        covered = set()
        for begin, finish in intervals:
            first = max(0, int((begin - start) // BUSY_BUCKET_SECONDS))
            last = min(buckets - 1, int((finish - start) // BUSY_BUCKET_SECONDS))
            covered.update(range(first, last + 1))
        for index in covered:
            active[index] += 1
    busy = [i for i in range(buckets) if active[i]]
    sent = sum(requests[i] for i in busy)
    allowed = sum(active[i] * rate for i in busy)
    return {
        "busy_s": len(busy) * BUSY_BUCKET_SECONDS,
        "vk_rps": sent / len(busy) / BUSY_BUCKET_SECONDS if busy else None,
        "vk_limit_rps": allowed / len(busy) / BUSY_BUCKET_SECONDS if busy else None,
        "vk_use": sent / allowed if allowed else None,
        "vk_rps_peak": max(requests, default=0) / BUSY_BUCKET_SECONDS,
        "tokens_active_peak": max(active, default=0),
    }


def fairness(runs: list[dict], big: set[int], *, debounce_s: float, slice_s: float | None) -> dict:
    """Delay from a small shop's run being due to its start, while the big shops' work is under way."""
    big_runs = [r for r in runs if r["merchant_id"] in big]
    small = [r for r in runs if r["merchant_id"] not in big and r["started_at"]]
    scope = "all small runs"
    if big_runs:
        window = (min(due(r, debounce_s) for r in big_runs), max(r["finished_at"] or math.inf for r in big_runs))
        during = [r for r in small if window[0] <= due(r, debounce_s) <= window[1]]
        if during:
            small, scope = during, "small runs due while big shops' runs were under way"
    delays = sorted(max(0.0, r["started_at"] - due(r, debounce_s)) for r in small)
    p50, p95 = quantile(delays, 0.5), quantile(delays, 0.95)
    return {
        "delay_runs": len(delays),
        "delay_scope": scope,
        "delay_p50_s": p50,
        "delay_p95_s": p95,
        "delay_max_s": delays[-1] if delays else None,
        "delay_p95_slices": p95 / slice_s if p95 is not None and slice_s else None,
    }


def task_figures(tasks: list[dict], slice_s: float | None) -> dict:
    durations = [(t["end"] - t["start"], t["task"]) for t in tasks]
    longest = max(durations, default=(None, None))
    by_task = defaultdict(lambda: [0, 0.0])
    for seconds, name in durations:
        by_task[name][0] += 1
        by_task[name][1] = max(by_task[name][1], seconds)
    return {
        "tasks": len(tasks),
        "task_longest_s": longest[0],
        "task_longest": longest[1],
        "tasks_by_name": {name: {"n": n, "max_s": round(m, 2)} for name, (n, m) in sorted(by_task.items())},
        "tasks_over_slice": sum(1 for s, _ in durations if s > slice_s) if slice_s else None,
        "task_wall_s": sum(s for s, _ in durations),
        "task_queries": sum(t["queries"] for t in tasks),
        "task_cpu_s": sum(t["cpu_s"] for t in tasks),
    }


def gc_figures(pauses: list[dict], tasks: list[dict], slice_s: float | None) -> dict:
    """The worker processes' garbage collections of 0.05 s or more, and the tasks over the slice that one of its
    own process's collections of 0.1 s or more overlapped (a collection stops every thread of its process)."""
    long = [p for p in pauses if p["end"] - p["start"] >= 0.1]
    over = [t for t in tasks if slice_s and t["end"] - t["start"] > slice_s]
    hit = [t for t in over if any(_overlap(p, t) for p in long)]
    return {
        "gc_pauses": len(pauses),
        "gc_pauses_long": len(long),
        "gc_pause_longest_s": max((p["end"] - p["start"] for p in pauses), default=None),
        "gc_pause_s": sum(p["end"] - p["start"] for p in pauses),
        "tasks_over_slice_in_gc": len(hit) if slice_s else None,
    }


def _overlap(pause: dict, task: dict) -> bool:
    return pause["pid"] == task["pid"] and pause["start"] < task["end"] and pause["end"] > task["start"]


def phase_row(name: str, *, start: dict, end: dict, vk_entries, evotor_entries, runs, tasks, big: set[int],
              engine: dict, fleet, rss: dict[int, float], pauses: list[dict] | None = None) -> dict:  # fmt: skip
    debounce, slice_s = engine.get("sync_debounce_s") or 0, engine.get("slice_s")
    items = items_of(runs)
    cpu = end["cpu"] - start["cpu"]
    figures = task_figures(tasks, slice_s)
    ended = [r["finished_at"] for r in runs if r["finished_at"]]
    first = min((r["created_at"] for r in runs), default=start["t"])
    row = {
        "phase": name,
        "shops": len({r["merchant_id"] for r in runs} | {t["merchant"] for t in tasks if t["merchant"]}),
        "runs": len(runs),
        "runs_by_status": dict(sorted(_count(r["status"] for r in runs).items())),
        "items": items,
        "wall_s": (max(ended) - first) if ended and name == "first_sync" else end["t"] - start["t"],
        "vk_requests": len(vk_entries),
        "rate_limited": sum(1 for e in vk_entries if e.get("error_code") == 6),
        "evotor_requests": len(evotor_entries),
        "evotor_429": sum(1 for _method, _path, status in evotor_entries if status == 429),
        "cpu_s": cpu,
        "cpu_ms_per_item": cpu * 1000 / items if items else None,
        "db_queries": figures["task_queries"],
        "queries_per_item": figures["task_queries"] / items if items else None,
        "peak_rss_mb": max(rss.values(), default=None),
        "worker_processes": len(rss),
        "emulators_cpu_s": end["emulators_cpu"] - start["emulators_cpu"],
        "slice_s": slice_s,
    }
    row.update(vk_use(vk_entries, runs, rate=fleet.vk_rate, debounce_s=debounce, start=start["t"], end=end["t"]))
    row.update(fairness(runs, big, debounce_s=debounce, slice_s=slice_s))
    row.update(figures)
    row.update(gc_figures(pauses or [], tasks, slice_s))
    return row


def ideal(world, fleet) -> dict:
    """The slowest shop's own bound: its minimal requests for the first sync ÷ the per-token rate."""
    minimal = {}
    for key, shop in world.shops.items():
        needed = vkcost.needed_calls(
            Shop(), world.vk.shop(shop.merchant.group_id), bulk_files=world.scenario.photo_bulk
        )
        minimal[key] = vkcost.minimal_requests(needed)
    slowest = max(minimal, key=minimal.get) if minimal else None
    return {
        "minimal_requests": sum(minimal.values()),
        "ideal_s": minimal[slowest] / fleet.vk_rate if slowest else None,
        "slowest_shop": slowest,
    }


def ratio(row: dict) -> None:
    row["time_ratio"] = row["wall_s"] / row["ideal_s"] if row.get("ideal_s") else None
    row["requests_ratio"] = row["vk_requests"] / row["minimal_requests"] if row.get("minimal_requests") else None


def _count(values) -> dict:
    out = defaultdict(int)
    for value in values:
        out[value] += 1
    return out
