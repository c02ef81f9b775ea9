"""`make bench-fleet`'s results: a table, one `BENCH_FLEET {json}` line, the targets, the capacity model, and the
results block of docs/benchmarks.md (between the `bench-fleet:results` markers; the rest is written by hand)."""

import json
import math

from django.conf import settings

from tools.bench.report import _fmt, _round

START, END = "<!-- bench-fleet:results:start -->", "<!-- bench-fleet:results:end -->"
REAL_VK_RATE = 3.0
NODE_CORES, NODE_RAM_MB = 2, 4096
UTILISATION = 0.7  # of a node's cores and slots a fleet may plan on (headroom for bursts, deploys, retries)
RAM_SHARE = 0.8  # of a node's memory the worker processes may take

COLUMNS = [
    ("phase", "phase", None), ("shops", "shops", None), ("runs", "runs", None), ("items", "items", None),
    ("wall s", "wall_s", 1), ("ideal s", "ideal_s", 1), ("wall/ideal", "time_ratio", 2),
    ("VK req", "vk_requests", None), ("VK req/s", "vk_rps", 1), ("limits req/s", "vk_limit_rps", 0),
    ("VK use", "vk_use", 3), ("delay p50 s", "delay_p50_s", 2), ("delay p95 s", "delay_p95_s", 2),
    ("p95 slices", "delay_p95_slices", 2), ("Evotor req", "evotor_requests", None), ("Evotor 429", "evotor_429", None),
    ("CPU s", "cpu_s", 1), ("CPU ms/item", "cpu_ms_per_item", 2), ("q/item", "queries_per_item", 2),
    ("RSS MB", "peak_rss_mb", 0), ("tasks", "tasks", None), ("longest task s", "task_longest_s", 1),
    ("over slice", "tasks_over_slice", None), ("over, in a GC pause", "tasks_over_slice_in_gc", None),
    ("GC pauses ≥ 0.1 s", "gc_pauses_long", None), ("longest GC s", "gc_pause_longest_s", 2),
    ("emulators CPU s", "emulators_cpu_s", 1),
]  # fmt: skip


def limiter_window() -> float:
    """The seconds in which EvoSync's limiter lets `rate` requests through: 1 s and its margin."""
    return 1.0 + settings.VK_RATE_LIMIT_MARGIN_SECONDS


def table(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(t for t, _, _ in COLUMNS) + " |",
             "|" + "|".join("---" if k == "phase" else "---:" for _, k, _ in COLUMNS) + "|"]  # fmt: skip
    for row in rows:
        cells = [_fmt(row.get(key), digits) if digits is not None else _fmt(row.get(key)) for _, key, digits in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def bench_line(*, rows: list[dict], engine: dict, capacity: dict, scenario: dict) -> str:
    data = {"scenario": scenario, "engine": engine, "phases": rows, "capacity": capacity}
    return "BENCH_FLEET " + json.dumps(_round(_deep_round(data)), ensure_ascii=False, default=str)


def _deep_round(value):
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _deep_round(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_round(v) for v in value]
    return value


def targets(rows: list[dict], engine: dict) -> list[tuple[str, str, bool]]:
    """Issue 17's targets: fairness p95 ≤ 2 slices, no Evotor 429, no task over the slice budget."""
    out = []
    slice_s = engine.get("slice_s")
    for row in rows:
        if row["phase"] == "connect":
            continue
        name = row["phase"]
        if row.get("delay_p95_s") is not None:
            if slice_s:
                figure = f"{row['delay_p95_s']:.2f} s = {row['delay_p95_slices']:.2f} slices of {slice_s:g} s"
                out.append((f"{name}: small shop's delay p95 ≤ 2 slices", figure, row["delay_p95_slices"] <= 2))
            else:
                figure = f"{row['delay_p95_s']:.2f} s; no slices on this engine"
                out.append((f"{name}: small shop's delay p95 ≤ 2 slices", figure, False))
        over = row.get("tasks_over_slice")
        longest = f"longest {row['task_longest']} {row['task_longest_s']:.1f} s" if row.get("task_longest") else "—"
        if slice_s:
            out.append((f"{name}: tasks longer than the slice ({slice_s:g} s) = 0", f"{over} ({longest})", over == 0))
        else:
            out.append((f"{name}: tasks longer than the slice = 0", f"no slices; {longest}", False))
    evotor = sum(r["evotor_429"] for r in rows)
    out.append(("Evotor 429s = 0 (all phases)", str(evotor), evotor == 0))
    return out


def targets_text(checks) -> str:
    return "\n".join(f"- [{'x' if ok else ' '}] {text}: {figure}{'' if ok else '  ← MISSED'}"
                     for text, figure, ok in checks)  # fmt: skip


def capacity(rows: list[dict], *, fleet, shops: int, products: int) -> dict:
    """Shops per worker node (2 cores, 4 GB) at VK's real rate, for this run's catalog mix, from the hour's figures.

    - CPU: the hour's worker CPU per shop is the same at any time factor (the same work, done faster);
      a node offers 2 cores × 3,600 s × UTILISATION an hour.
    - Slots: a task holds its slot for its wall time; the part of it that is not CPU (waiting on VK's rate, on VK,
      on Evotor, on the database) stretches by the time factor at VK's real rate, so slot-seconds per shop-hour
      = Σ (task wall − task CPU) × factor + Σ task CPU, over the hour's tasks, per shop (an upper bound: waits on
      the database do not stretch). A node offers its concurrency × 3,600 s × UTILISATION.
    - Memory: each worker process's peak RSS; a prefork node holds concurrency + 1 processes, a threads node one."""
    by = {row["phase"]: row for row in rows}
    hour = by.get("hour")
    if not hour or not shops:
        return {}
    factor = fleet.time_factor
    tasks_wall = hour.get("task_wall_s") or 0.0
    tasks_cpu = hour.get("task_cpu_s") or 0.0
    cpu_per_shop = hour["cpu_s"] / shops
    slot_per_shop = (max(0.0, tasks_wall - tasks_cpu) * factor + tasks_cpu) / shops
    by_cpu = NODE_CORES * 3600 * UTILISATION / cpu_per_shop if cpu_per_shop else math.inf
    by_slots = fleet.concurrency * 3600 * UTILISATION / slot_per_shop if slot_per_shop else math.inf
    processes = fleet.concurrency + 1 if fleet.pool == "prefork" else 1
    rss = hour.get("peak_rss_mb") or 0.0
    memory = processes * rss
    out = {
        "node": f"{NODE_CORES} cores, {NODE_RAM_MB // 1024} GB; pool {fleet.pool}, concurrency {fleet.concurrency}",
        "mix": f"{shops} shops, {products} products (mean {products / shops:.0f})",
        "cpu_s_per_shop_hour": cpu_per_shop,
        "vk_requests_per_shop_hour": hour["vk_requests"] / shops,
        "slot_s_per_shop_hour_real": slot_per_shop,
        "shops_by_cpu": by_cpu,
        "shops_by_slots": by_slots,
        "node_memory_mb": memory,
        "memory_fits": memory <= NODE_RAM_MB * RAM_SHARE,
        "utilisation": UTILISATION,
    }
    out["shops_per_node"] = math.floor(min(by_cpu, by_slots))
    out["limited_by"] = "CPU" if by_cpu <= by_slots else "task slots"
    first = by.get("first_sync")
    if first and products:
        out["first_sync_cpu_s_per_1k_products"] = first["cpu_s"] / products * 1000
        minimal = first.get("minimal_requests") or first["vk_requests"]
        out["first_sync_real_s_per_1k_products"] = minimal / products * 1000 * limiter_window() / REAL_VK_RATE
    return out


def capacity_text(model: dict) -> str:
    if not model:
        return "(no hour phase: no capacity model)"
    lines = [
        f"Capacity at VK's real rate (3 requests/s per token), node {model['node']}, mix {model['mix']}:",
        f"- worker CPU per shop-hour {model['cpu_s_per_shop_hour']:.2f} s → {model['shops_by_cpu']:.0f} shops by CPU "
        f"({model['utilisation']:.0%} of 2 cores)",
        f"- task slot time per shop-hour at the real rate ≤ {model['slot_s_per_shop_hour_real']:.1f} s → "
        f"{model['shops_by_slots']:.0f} shops by slots",
        f"- memory of a node's worker processes {model['node_memory_mb']:.0f} MB "
        f"({'fits' if model['memory_fits'] else 'does NOT fit'} in 80 % of 4 GB)",
        f"- **{model['shops_per_node']} shops per node**, limited by {model['limited_by']}",
    ]
    if "first_sync_cpu_s_per_1k_products" in model:
        lines.append(f"- a first sync costs {model['first_sync_cpu_s_per_1k_products']:.2f} s of worker CPU and at "
                     f"least {model['first_sync_real_s_per_1k_products']:.0f} s of its token's time per 1,000 "
                     "products")  # fmt: skip
    return "\n".join(lines)


def results_block(*, rows, checks, model, engine, scenario: dict, host: dict, notes: list[str], command: str) -> str:
    parts = [
        f"Run `{command}` on {host['date']}.",
        "",
        f"Machine: {host['cpu']}, {host['cores']} cores, {host['ram']} RAM, {host['os']}; Python {host['python']}; "
        f"{host['database']}; Redis (broker, rate limiter, locks, cache).",
        "",
        "Scenario: " + ", ".join(f"{k}={v}" for k, v in scenario.items()) + ".",
        "",
        f"Engine: SYNC_SLICE_SECONDS {_fmt(engine.get('slice_s'))} "
        f"(default {_fmt(engine.get('slice_default_s'))}), SYNC_SLICE_HEADROOM {engine.get('slice_headroom', '—')}, "
        f"SYNC_DEBOUNCE_SECONDS {engine.get('sync_debounce_s')}; "
        f"beat entries due in the hour: {', '.join(e['task'] for e in engine.get('beat_due', [])) or '—'}.",
        "",
        table(rows),
        "",
        "Targets:",
        "",
        targets_text(checks),
        "",
        capacity_text(model),
        "",
    ]
    parts += [f"- {note}" for note in notes] + ([""] if notes else [])
    parts += ["```", bench_line(rows=rows, engine=engine, capacity=model, scenario=scenario), "```"]
    return "\n".join(parts)
