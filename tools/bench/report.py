"""The results for people (a table, the targets) and for scripts (`BENCH {json}` lines), and docs/benchmarks.md."""

import json
import os
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

from tools.bench import sale_to_vk

BENCH_FIELDS = (
    "phase", "vk_requests", "minimal_requests", "requests_ratio", "wall_s", "bound_s", "time_ratio",
    "naive_requests", "naive_wall_s", "evotor_requests", "db_queries", "peak_rss_mb",
)  # fmt: skip
EXTRA_FIELDS = (
    "vk_by_method", "vk_calls", "uploads", "write_requests", "rate_limited", "minimal_stages", "cpu_s",
    "emulators_cpu_s", "products",
    "db_queries_per_1k", "naive_sampled", "naive_measured_requests", "naive_errors", "naive_requests_ratio",
    "naive_time_ratio", "changed", "writes_target", "removed", "pictures", "photos_saved",
    "orders", "order_rows", "event_kept_p50_s", "event_kept_p95_s", "order_row_p50_s", "order_row_p95_s",
    "notice_queued_p50_s", "notice_queued_p95_s",
    "notice_sent_p95_s", "notices_sent", "duplicate_orders", "duplicate_notices", "callback_events_kept",
    "callback_deliveries", "repeated_deliveries", "callback_answers", "complete", "broker",
    "receipts", "receipts_delivered", "unseen", "latency_p50_s", "latency_p95_s", "latency_p50_real_s",
    "latency_p95_real_s", "latency_p95_target_real_s", "vk_requests_per_receipt", "full_refreshes", "full_syncs",
    "stock_runs",
)  # fmt: skip
START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"


def _round(value):
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    return value


def bench_line(row: dict) -> str:
    data = {name: _round(row.get(name)) for name in BENCH_FIELDS}
    data.update({name: _round(row[name]) for name in EXTRA_FIELDS if name in row})
    return "BENCH " + json.dumps(data, ensure_ascii=False, sort_keys=False)


def _fmt(value, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


COLUMNS = [
    ("phase", "phase", None),
    ("VK req", "vk_requests", None),
    ("minimal", "minimal_requests", None),
    ("req ratio", "requests_ratio", 3),
    ("wall s", "wall_s", 1),
    ("bound s", "bound_s", 1),
    ("time ratio", "time_ratio", 3),
    ("naive req", "naive_requests", None),
    ("naive s", "naive_wall_s", 1),
    ("naive/ours req", "naive_requests_ratio", 1),
    ("Evotor req", "evotor_requests", None),
    ("DB q", "db_queries", None),
    ("q/1k", "db_queries_per_1k", 1),
    ("CPU s", "cpu_s", 2),
    ("RSS MB", "peak_rss_mb", 0),
]


def table(rows: list[dict]) -> str:
    """A Markdown table (readable as plain text too)."""
    head = "| " + " | ".join(title for title, _, _ in COLUMNS) + " |"
    rule = "|" + "|".join("---" if key == "phase" else "---:" for _, key, _ in COLUMNS) + "|"
    lines = [head, rule]
    for row in rows:
        cells = []
        for _, key, digits in COLUMNS:
            value = row.get(key)
            text = _fmt(value, digits) if digits is not None else _fmt(value)
            if key == "naive_wall_s" and row.get("naive_sampled"):
                text += "*"
            cells.append(text)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def methods_table(rows: list[dict]) -> str:
    lines = ["| phase | API requests by method | calls inside them | uploads | write requests | refused (6) |",
             "|---|---|---|---:|---:|---:|"]  # fmt: skip
    for row in rows:
        if not row.get("vk_requests"):
            continue
        by_method = ", ".join(f"{k} {v}" for k, v in row.get("vk_by_method", {}).items())
        calls = ", ".join(f"{k.removeprefix('market.')} {v}" for k, v in row.get("vk_calls", {}).items())
        lines.append(
            f"| {row['phase']} | {by_method} | {calls} | {row.get('uploads', 0)} | "
            f"{row.get('write_requests', 0)} | {row.get('rate_limited', 0)} |"
        )
    return "\n".join(lines)


def targets(rows: list[dict]) -> list[tuple[str, str, bool]]:
    """(target, figure, met) for the issue's targets that these rows can check."""
    by = {row["phase"]: row for row in rows}
    out = []

    def check(text: str, phase: str, field: str, met) -> None:
        value = by.get(phase, {}).get(field)
        if value is not None:
            out.append((text, _fmt(value, 3), bool(met(value))))

    check("first sync: requests ≤ 1.05 × minimal", "first_sync", "requests_ratio", lambda v: v <= 1.05)
    check("first sync: wall ≤ 1.15 × rate-limit bound", "first_sync", "time_ratio", lambda v: v <= 1.15)
    check("first sync: ≥ 20× fewer requests than naive", "first_sync", "naive_requests_ratio", lambda v: v >= 20)
    for phase in ("first_sync_photos", "first_sync_photos_refused"):
        label = "photo-rich first sync" + (", bulk refused" if phase.endswith("refused") else "")
        check(f"{label}: requests ≤ 1.05 × minimal", phase, "requests_ratio", lambda v: v <= 1.05)
        check(f"{label}: wall ≤ 1.15 × rate-limit bound", phase, "time_ratio", lambda v: v <= 1.15)
        if phase in by:
            saved, pictures = by[phase].get("photos_saved"), by[phase].get("pictures")
            out.append((f"{label}: each picture uploaded once", f"{saved} photos / {pictures} pictures",
                        saved == pictures))  # fmt: skip
    check("no-change resync: zero write requests", "noop_resync", "write_requests", lambda v: v == 0)
    check("no-change resync: requests ≤ 1.5 × minimal", "noop_resync", "requests_ratio", lambda v: v <= 1.5)
    check("1% change: requests ≤ 1.5 × minimal", "change_1pct", "requests_ratio", lambda v: v <= 1.5)
    limit = by.get("change_1pct", {}).get("writes_target", 0)
    check(f"1% change: write requests ≤ ceil(changed/25)+2 = {limit}", "change_1pct", "write_requests",
          lambda v: v <= limit)  # fmt: skip
    check("Evotor refresh: ≤ 20 DB queries per 1,000 products", "evotor_refresh", "db_queries_per_1k",
          lambda v: v <= 20)  # fmt: skip
    check("Evotor refresh: its own CPU ≤ 2 s", "evotor_refresh", "cpu_s", lambda v: v <= 2)
    check("VK order → its Order row: p95 ≤ 5 s", "order_to_merchant", "order_row_p95_s", lambda v: v <= 5)
    check("VK order → its notices queued: p95 ≤ 5 s", "order_to_merchant", "notice_queued_p95_s", lambda v: v <= 5)
    check("orders made twice under VK's repeated events: 0", "order_to_merchant", "duplicate_orders", lambda v: v == 0)
    check("every VK order became an Order", "order_to_merchant", "complete", lambda v: v)
    check("notices made twice: 0", "order_to_merchant", "duplicate_notices", lambda v: v == 0)
    out += sale_to_vk.targets(by)
    syncs = [r for r in rows if r["phase"] in ("first_sync", "noop_resync", "change_1pct", "remove_10pct")]
    if syncs:
        peak = max(r["peak_rss_mb"] for r in syncs)
        out.append(("worker peak memory during sync ≤ 250 MB", f"{peak:.0f} MB", peak <= 250))
    return out


def targets_text(checks, products: int = 10_000) -> str:
    note = "" if products >= 10_000 else f"(set for 10,000 products; this run has {products}: fixed costs weigh more)\n"
    return note + "\n".join(
        f"- [{'x' if ok else ' '}] {text}: {figure}{'' if ok else '  ← MISSED'}" for text, figure, ok in checks
    )


def machine(database: str, redis: bool) -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = ""
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram": ram,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "database": database,
        "redis": "Redis (rate limiter, locks, cache)" if redis else "files (rate limiter, locks, cache)",
    }


def results_block(*, rows, checks, scenario: dict, host: dict, notes: list[str], command: str) -> str:
    sampled = any(r.get("naive_sampled") for r in rows)
    parts = [
        f"Run `{command}` on {host['date']}.",
        "",
        f"Machine: {host['cpu']}, {host['cores']} cores, {host['ram']} RAM, {host['os']}; Python {host['python']}; "
        f"{host['database']}; {host['redis']}.",
        "",
        "Scenario: " + ", ".join(f"{k}={v}" for k, v in scenario.items()) + ".",
        "",
        table(rows),
        "",
    ]
    if sampled:
        parts += ["\\* naive time measured on a sample of the phase's naive requests and extrapolated per kind of "
                  "request (see `naive_measured_requests` in the BENCH line).", ""]  # fmt: skip
    parts += [
        "VK requests by method:",
        "",
        methods_table(rows),
        "",
        "Targets:",
        "",
        targets_text(checks, scenario["products"]),
        "",
    ]
    parts += [f"- {note}" for note in notes] + ([""] if notes else [])
    parts += ["```", *(bench_line(r) for r in rows), "```"]
    return "\n".join(parts)


def write_docs(path: Path, block: str, *, start: str = START, end: str = END) -> None:
    """Replace the results between the markers of docs/benchmarks.md (the rest is written by hand)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if start not in text:
        text += f"\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1] if end in rest else ""
    path.write_text(f"{head}{start}\n{block}\n{end}{tail}", encoding="utf-8")
