"""`make bench-fleet`'s harness: its arithmetic, its refusals, and a tiny fleet end to end on real Celery workers.

Never about speed: nothing here asserts how fast anything is. The end-to-end run needs MariaDB (DATABASE_URL) and
Redis; it empties two Redis databases of its own: BENCH_FLEET_REDIS_URL and the next one (default: REDIS_URL's server,
databases 14 and 15).
"""

import json
import math
import os
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command

from tools.bench import fleet_figures, fleet_report
from tools.bench.fleet_scenario import FleetScenario


def test_shop_sizes_are_log_uniform_within_bounds_seeded_and_the_big_ones_last():
    fleet = FleetScenario(shops=400, big=3)
    sizes = fleet.sizes()
    assert sizes == FleetScenario(shops=400, big=3).sizes()  # the same seed, the same fleet
    assert sizes != FleetScenario(shops=400, big=3, seed=2).sizes()
    small = sizes[:400]
    assert sizes[400:] == [20_000] * 3
    assert all(200 <= n <= 2000 for n in small)
    # log-uniform: as many shops below the geometric middle (~632) as above it, far fewer below the arithmetic one
    middle = math.sqrt(200 * 2000)
    below = sum(n < middle for n in small)
    assert 160 <= below <= 240
    assert sum(n < 1100 for n in small) > 0.65 * 400


def _run(merchant, created, started, finished, trigger="confirm"):
    return {"merchant_id": merchant, "trigger": trigger, "status": "done", "created_at": created,
            "started_at": started, "finished_at": finished, "created": 10, "updated": 0, "hidden": 0,
            "deleted": 0}  # fmt: skip


def test_vk_use_divides_requests_by_the_limits_of_the_tokens_with_work_waiting_or_running():
    # two shops' runs over 4 s: shop 1 due at 0 and done at 3.5, shop 2 due at 2 (debounced 1 s) and done at 3.9
    runs = [_run(1, 0.0, 0.0, 3.5), _run(2, 1.0, 2.5, 3.9, trigger="refresh")]
    entries = [{"time": t} for t in (0.1, 0.2, 1.5, 2.6, 2.7, 3.1)]
    figures = fleet_figures.vk_use(entries, runs, rate=10, debounce_s=1.0, start=0.0, end=4.0)
    # buckets 0–3 busy; active tokens 1, 1, 2, 2 → limits 60 over 4 s; 6 requests sent
    assert figures["busy_s"] == 4
    assert figures["vk_limit_rps"] == pytest.approx(60 / 4)
    assert figures["vk_rps"] == pytest.approx(6 / 4)
    assert figures["vk_use"] == pytest.approx(6 / 60)
    assert figures["tokens_active_peak"] == 2


def test_fairness_counts_small_runs_due_while_a_big_run_is_under_way_in_slices():
    big = {9}
    runs = [_run(9, 0.0, 0.0, 10.0)] + [_run(m, 1.0, 1.0 + m, 2.0 + m) for m in range(1, 6)]
    runs.append(_run(7, 20.0, 20.5, 21.0))  # due after the big run ended: not counted
    figures = fleet_figures.fairness(runs, big, debounce_s=0, slice_s=2.0)
    assert figures["delay_runs"] == 5 and figures["delay_scope"].startswith("small runs due while")
    assert figures["delay_p50_s"] == pytest.approx(3.0)
    assert figures["delay_max_s"] == pytest.approx(5.0)
    assert figures["delay_p95_slices"] == pytest.approx(figures["delay_p95_s"] / 2.0)


def test_targets_without_slices_are_reported_missed_and_evotor_429s_summed():
    rows = [{"phase": "first_sync", "delay_p95_s": 1.0, "delay_p95_slices": None, "tasks_over_slice": None,
             "task_longest": "vksync.sync_merchant", "task_longest_s": 40.0, "evotor_429": 2}]  # fmt: skip
    checks = fleet_report.targets(rows, {"slice_s": None})
    assert [ok for _, _, ok in checks] == [False, False, False]
    assert "no slices" in checks[0][1] and checks[-1][1] == "2"
    sliced = fleet_report.targets([rows[0] | {"delay_p95_slices": 0.5, "tasks_over_slice": 0, "evotor_429": 0}],
                                  {"slice_s": 2.0})  # fmt: skip
    assert all(ok for _, _, ok in sliced)


def test_capacity_takes_the_tighter_of_cpu_and_slots_at_vk_real_rate():
    fleet = SimpleNamespace(time_factor=10.0, concurrency=4, pool="prefork")
    rows = [{"phase": "hour", "cpu_s": 100.0, "vk_requests": 1000, "task_wall_s": 60.0, "task_cpu_s": 20.0,
             "peak_rss_mb": 200.0}]  # fmt: skip
    model = fleet_report.capacity(rows, fleet=fleet, shops=100, products=50_000)
    assert model["cpu_s_per_shop_hour"] == pytest.approx(1.0)
    assert model["shops_by_cpu"] == pytest.approx(2 * 3600 * 0.7 / 1.0)
    assert model["slot_s_per_shop_hour_real"] == pytest.approx(((60 - 20) * 10 + 20) / 100)
    assert model["shops_by_slots"] == pytest.approx(4 * 3600 * 0.7 / 4.2)
    assert model["shops_per_node"] == math.floor(model["shops_by_slots"]) and model["limited_by"] == "task slots"
    assert model["node_memory_mb"] == 5 * 200 and model["memory_fits"]


def test_bench_fleet_refuses_sqlite(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(CommandError, match="MariaDB only"):
        call_command("bench_fleet", "--tiny", "--database-url", "", "--redis-url", "redis://127.0.0.1:6379/14")


def _mariadb_and_redis() -> tuple[str, str] | None:
    configured, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not configured.startswith("mysql") or not redis_url:
        return None
    server, name = configured.split("?", 1)[0].rsplit("/", 1)
    own = os.environ.get("BENCH_FLEET_REDIS_URL") or f"{redis_url.rsplit('/', 1)[0]}/14"
    return f"{server}/{name}_bench_fleet_harness", own


@pytest.mark.redis
@pytest.mark.skipif(_mariadb_and_redis() is None, reason="needs MariaDB (DATABASE_URL=mysql://…) and REDIS_URL")
def test_tiny_fleet_runs_end_to_end_on_real_workers(settings, tmp_path, capsys, django_db_blocker):
    database_url, redis_url = _mariadb_and_redis()
    settings.VAR_DIR = tmp_path
    docs = tmp_path / "benchmarks.md"
    docs.write_text(f"# Benchmarks\n\nby hand\n\n{fleet_report.START}\nold\n{fleet_report.END}\n", encoding="utf-8")
    with django_db_blocker.unblock():  # the orchestrator reads the bench database's runs (its own connection)
        call_command("bench_fleet", "--tiny", "--database-url", database_url, "--redis-url", redis_url,
                     "--docs", str(docs))  # fmt: skip
    out = capsys.readouterr().out
    line = next(json.loads(text[len("BENCH_FLEET ") :]) for text in out.splitlines() if text.startswith("BENCH_FLEET "))
    by = {row["phase"]: row for row in line["phases"]}
    assert list(by) == ["connect", "first_sync", "hour"]
    shops = line["scenario"]["shops"] + line["scenario"]["big"]
    first, hour = by["first_sync"], by["hour"]
    assert first["runs_by_status"] == {"done": shops} and first["items"] > 0
    assert first["requests_ratio"] is not None and first["ideal_s"] > 0 and first["time_ratio"] > 0
    assert first["delay_runs"] >= 1 and first["delay_p95_s"] is not None
    assert first["db_queries"] > 0 and first["cpu_s"] > 0 and first["peak_rss_mb"] > 0
    assert 0 < first["vk_use"] <= 1
    assert hour["changed"] > 0 and hour["items"] > 0  # the beat's refreshes found the changes and the syncs sent them
    assert "catalog.refresh_due_catalogs" in hour["tasks_by_name"]  # the beat's spread tick (core.spread)
    assert line["capacity"]["shops_per_node"] > 0
    text = docs.read_text(encoding="utf-8")
    assert "by hand" in text and "old" not in text and "| first_sync |" in text and "BENCH_FLEET " in text


def test_gc_figures_count_long_pauses_and_the_tasks_over_the_slice_one_of_their_own_process_overlapped():
    pauses = [
        {"pid": 1, "start": 10.0, "end": 11.5, "generation": 2},  # inside task a: its process stopped
        {"pid": 2, "start": 10.0, "end": 10.06, "generation": 1},  # short: counted, but not a long pause
        {"pid": 2, "start": 30.0, "end": 30.5, "generation": 2},  # after task b
    ]
    tasks = [
        {"pid": 1, "start": 9.0, "end": 16.0},  # over the 6-s slice, in a pause
        {"pid": 2, "start": 9.0, "end": 16.0},  # over, no long pause of its own process
        {"pid": 1, "start": 9.0, "end": 12.0},  # in a pause, not over
    ]
    figures = fleet_figures.gc_figures(pauses, tasks, 6.0)
    assert figures["gc_pauses"] == 3 and figures["gc_pauses_long"] == 2
    assert figures["gc_pause_longest_s"] == pytest.approx(1.5)
    assert figures["tasks_over_slice_in_gc"] == 1


def test_the_probe_writes_down_a_collection_as_long_as_a_pause(tmp_path, monkeypatch):
    from tools.bench import fleet_probe

    monkeypatch.setenv(fleet_probe.DIR_ENV, str(tmp_path))
    monkeypatch.setattr(fleet_probe, "GC_PAUSE_S", 0.0)
    fleet_probe._on_gc("start", {"generation": 2})
    fleet_probe._on_gc("stop", {"generation": 2})
    (record,) = fleet_probe.read_gc(tmp_path)
    assert record["generation"] == 2 and record["end"] >= record["start"] and record["pid"] == os.getpid()
