"""Where a phase's wall time went, from the VK emulator's request log (`--timeline PHASE`).

The rate-limit bound assumes VK requests back to back. This writes, for one phase: the time before its first
request and after its last (the worker's own work), the runs of requests of one kind in order (photo saves,
item writes, …) with when each started and ended, and the longest pauses between two requests — a pause much
longer than a request slot is the rate-limited stream waiting for something (pictures, the database, the plan).
"""

from pathlib import Path

from tools.bench.vkcost import methods_of

LONGEST = 15


def kind(entry: dict) -> str:
    """`saveProductPhotoBulk`, `add`, `add+addAlbum`, …: the methods of a request, `market.` left out."""
    return "+".join(sorted({method.removeprefix("market.") for method in methods_of(entry)}))


def describe(entries: list[dict], *, started: float, finished: float, rate: float) -> str:
    lines = [
        f"requests {len(entries)}, wall {finished - started:.2f} s, bound {len(entries) / rate:.2f} s "
        f"(one slot {1 / rate * 1000:.1f} ms)"
    ]
    if not entries:
        return "\n".join(lines) + "\n"
    times = [entry["time"] for entry in entries]
    lines.append(f"before the first request {times[0] - started:.2f} s; after the last {finished - times[-1]:.2f} s")
    lines.append("")
    lines.append("   from      to  requests  kind")
    runs: list[list] = []
    for entry in entries:
        if runs and runs[-1][3] == kind(entry):
            runs[-1][1], runs[-1][2] = entry["time"], runs[-1][2] + 1
        else:
            runs.append([entry["time"], entry["time"], 1, kind(entry)])
    lines += [f"{a - started:7.2f} {b - started:7.2f} {n:9d}  {what}" for a, b, n, what in runs]
    pauses = sorted(
        ((later - earlier, earlier - started, kind(entries[i]), kind(entries[i + 1]))
         for i, (earlier, later) in enumerate(zip(times, times[1:], strict=False))),
        reverse=True,
    )  # fmt: skip
    lines += ["", "longest pauses between two requests:"]
    lines += [f"  {gap:.3f} s at {at:.2f} s: {before} → {after}" for gap, at, before, after in pauses[:LONGEST]]
    return "\n".join(lines) + "\n"


def write(path: Path, entries: list[dict], results: list[dict], *, rate: float) -> None:
    started = min(result["started"] for result in results)
    finished = max(result["finished"] for result in results)
    path.write_text(describe(entries, started=started, finished=finished, rate=rate), encoding="utf-8")
