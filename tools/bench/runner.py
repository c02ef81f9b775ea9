"""`manage.py bench`: the phases, in order, each measured in its own worker process.

evotor_refresh → evotor_images (the merchant picks the stores; pictures are checked) → first_sync →
vk_refresh → noop_resync → change_1pct → remove_10pct → sale_to_vk (its own module) → two_merchants →
order_to_merchant (`orders`) → first_sync_photos (a photo-rich catalog: 1–5 pictures per product) →
first_sync_photos_refused (the same, a community refusing bulk uploads). After each sync phase the same work is
replayed the naive way against a twin of the VK shop as it was before the phase. `only="order_to_merchant"` runs
that phase alone, on an empty shop.
"""

import json
import math
import time
from collections import defaultdict
from contextlib import ExitStack
from importlib.util import find_spec
from pathlib import Path

from emulators.server import serve_in_thread
from tools.bench import naive, sale_to_vk, timeline, vkcost
from tools.bench import orders as orders_bench
from tools.bench.measure import cpu_seconds
from tools.bench.scenario import Scenario, World, worker_env
from tools.bench.workers import JobFailed, Workers


def sync_engine_available() -> bool:
    return find_spec("vksync.engine") is not None


class Runner:
    def __init__(
        self,
        scenario: Scenario,
        *,
        database_url: str,
        var_dir: Path,
        say=print,
        profile=frozenset(),
        timeline=frozenset(),
        only: str = "",
    ):
        self.profile = set(profile)
        self.timeline = set(timeline)  # phases whose VK requests are laid out in time (tools.bench.timeline)
        self.only = only
        self.scenario = scenario
        self.database_url = database_url
        self.var_dir = var_dir
        self.say = say
        self.world = World(scenario)
        self.rows: list[dict] = []
        self.notes: list[str] = []
        self.ids: dict[str, int] = {}
        self.failed = ""

    # ----- plumbing -----------------------------------------------------------------------------
    def run(self) -> list[dict]:
        with ExitStack() as stack:
            evotor_url = stack.enter_context(serve_in_thread(self.world.evotor.wsgi_app))
            vk_url = stack.enter_context(serve_in_thread(self.world.vk.wsgi_app))
            self.world.evotor.base_url, self.world.vk.base_url = evotor_url, vk_url
            env = worker_env(
                scenario=self.scenario,
                database_url=self.database_url,
                var_dir=self.var_dir,
                evotor_url=evotor_url,
                vk_url=vk_url,
            )
            self.workers = Workers(env, self.var_dir / "jobs", self.profile)
            try:
                self.phases()
            except JobFailed as exc:  # report what was measured; the rest of the run would build on a failure
                self.failed = str(exc)
                last = str(exc).strip().splitlines()[-1]
                self.notes.append(f"The run stopped after {len(self.rows)} phases: {last}")
        return self.rows

    def phases(self) -> None:
        s = self.scenario
        self.step("migrating the bench database")
        self.workers.run("migrate")
        keys = ["m1", "m2", "m3"] if s.two_merchants and not s.only_photos and not self.only else ["m1"]
        merchants = [self.world.add_merchant(key).as_job() for key in keys]
        if s.photos and not self.only:  # photo-rich, a share of the products in variant cards
            merchants += [
                self.world.add_merchant(key, many_pictures=True, variants=s.photo_variants).as_job()
                for key in ("p1", "p2")
            ]
        self.ids = self.workers.run("setup_merchants", merchants=merchants)["out"]
        if self.only == orders_bench.PHASE:
            self.orders_phase()
            return
        self.step(f"evotor_refresh: {s.products} products, {s.groups} groups, {s.stores} stores")
        self.evotor_phase("evotor_refresh", "m1")
        self.workers.run("select_stores", merchant_id=self.ids["m1"])
        self.step("evotor_images: stores chosen for VK, pictures checked")
        self.evotor_phase("evotor_images", "m1")
        if not sync_engine_available():
            self.notes.append("The sync engine (vksync.engine) is not on this branch: sync phases skipped.")
            self.step("vk_refresh (empty shop: no sync engine)")
            self.vk_phase("vk_refresh", ["m1"], "vk_refresh")
            return
        if not s.only_photos:
            self.catalog_phases()
        if s.photos:
            self.photo_phases()

    def catalog_phases(self) -> None:
        s = self.scenario
        self.step("first_sync: the empty VK shop gets the whole catalog")
        self.vk_phase("first_sync", ["m1"], "sync")
        self.step("vk_refresh: the shop read back into the cache")
        self.vk_phase("vk_refresh", ["m1"], "vk_refresh")
        self.step("noop_resync: nothing changed")
        self.vk_phase("noop_resync", ["m1"], "sync")
        changed = self.world.change_products("m1", s.change_share)
        self.workers.run("evotor_refresh", merchant_id=self.ids["m1"])
        self.step(f"change_1pct: {len(changed)} products with a new price and name")
        row = self.vk_phase("change_1pct", ["m1"], "sync")
        row["changed"] = len(changed)
        row["writes_target"] = math.ceil(len(changed) / vkcost.EXECUTE_LIMIT) + 2
        removed = self.world.remove_products("m1", s.remove_share, keep=changed)
        self.workers.run("evotor_refresh", merchant_id=self.ids["m1"])
        self.step(f"remove_10pct: {len(removed)} products gone from Evotor")
        self.vk_phase("remove_10pct", ["m1"], "sync")["removed"] = len(removed)
        self.step(f"sale_to_vk: {sale_to_vk.receipts_for(s.products)} receipts at the register, each to VK")
        self.rows.append(sale_to_vk.run_phase(self))
        if s.two_merchants:
            self.step("two_merchants: merchants 2 and 3 get their catalogs and first syncs at the same time")
            for job in ("evotor_refresh", "select_stores", "evotor_refresh"):  # catalog, choice, pictures
                self.workers.run_side_by_side([(job, {"merchant_id": self.ids[k]}) for k in ("m2", "m3")])
            self.vk_phase("two_merchants", ["m2", "m3"], "sync")
        self.orders_phase()

    def orders_phase(self) -> None:
        self.step(f"{orders_bench.PHASE}: {orders_bench.ORDERS} orders posted by VK's Callback API, some twice")
        orders_bench.run_phase(self)

    def photo_phases(self) -> None:
        """A photo-rich first sync (bulk uploads), then the same catalog for a community that refuses bulk; a fifth
        of the products (`photo_variants`) are modifications, so these syncs make properties, values and cards."""
        for key in ("p1", "p2"):  # catalog, the merchant's choice of stores, pictures: as before a first sync
            for job in ("evotor_refresh", "select_stores", "evotor_refresh"):
                self.workers.run(job, merchant_id=self.ids[key])
        self.step(f"first_sync_photos: {self.world.pictures('p1')} pictures, {self.scenario.photo_bulk} a bulk upload")
        self.photo_phase("first_sync_photos", "p1", bulk_files=self.scenario.photo_bulk)
        self.world.vk.refuse_bulk()
        try:
            self.step("first_sync_photos_refused: the community refuses bulk uploads")
            self.photo_phase("first_sync_photos_refused", "p2", bulk_files=0)
        finally:
            self.world.vk.refuse_bulk(False)

    def photo_phase(self, name: str, key: str, *, bulk_files: int) -> dict:
        photos_before = len(self.world.vk.shop(self.world.merchants[key].group_id).photos)
        row = self.vk_phase(name, [key], "sync", bulk_files=bulk_files)
        row["pictures"] = self.world.pictures(key, shown_in=self.world.vk.shop(self.world.merchants[key].group_id))
        row["photos_saved"] = len(self.world.vk.shop(self.world.merchants[key].group_id).photos) - photos_before
        return row

    def step(self, text: str) -> None:
        self.say(f"[bench {time.strftime('%H:%M:%S', time.gmtime())}] {text}")

    # ----- phases -------------------------------------------------------------------------------
    def evotor_phase(self, name: str, key: str) -> dict:
        before, cpu = self.world.evotor.request_count, cpu_seconds()
        self.workers.phase = name
        result = self.workers.run("evotor_refresh", merchant_id=self.ids[key])
        self.workers.phase = ""
        row = self.base_row(name, [result], products=self.scenario.products)
        row["emulators_cpu_s"] = cpu_seconds() - cpu
        row.update(evotor_requests=self.world.evotor.request_count - before, **_zero_vk())
        row["refresh"] = result["out"]
        self.rows.append(row)
        return row

    def vk_phase(self, name: str, keys: list[str], job: str, *, bulk_files: int | None = None) -> dict:
        emu = self.world.vk
        twin = vkcost.twin_of(emu)
        log_start, uploads_start = len(emu.request_log), emu.upload_count
        evotor_start, cpu = self.world.evotor.request_count, cpu_seconds()
        self.workers.phase = name  # profiled when asked (--profile)
        results = self.workers.run_side_by_side([(job, {"merchant_id": self.ids[key]}) for key in keys])
        self.workers.phase = ""
        entries = emu.request_log[log_start:]
        if name in self.timeline:
            timeline.write(self.var_dir / f"timeline-{name}.txt", entries, results, rate=self.scenario.vk_rate)
        row = self.base_row(name, results, products=self.scenario.products * len(keys))
        row["emulators_cpu_s"] = cpu_seconds() - cpu
        row.update(vkcost.log_figures(entries))
        row["uploads"] = emu.upload_count - uploads_start
        row["evotor_requests"] = self.world.evotor.request_count - evotor_start
        bulk = self.scenario.photo_bulk if bulk_files is None else bulk_files
        stages = [self._stages_of(key, twin, job, bulk) for key in keys]
        row["minimal_stages"] = {stage: sum(s[stage] for s in stages) for stage in stages[0]}
        row["minimal_requests"] = sum(vkcost.minimal_requests(s) for s in stages)
        row["bound_s"] = self.bound(entries)
        row["results"] = [r["out"] for r in results]
        row.update(self.naive(entries, keys, twin))
        _ratios(row)
        self.rows.append(row)
        return row

    def _stages_of(self, key: str, twin, job: str, bulk_files: int) -> dict:
        group_id = self.world.merchants[key].group_id
        needed = vkcost.needed_calls(twin.shop(group_id), self.world.vk.shop(group_id), bulk_files=bulk_files)
        return vkcost.reads_only(needed) if job == "vk_refresh" else needed

    def bound(self, entries: list[dict]) -> float:
        """Seconds VK's rate limit allows for these requests: the busiest token's requests ÷ the limit."""
        per_token = defaultdict(int)
        for entry in entries:
            per_token[entry.get("user_id")] += 1
        return max(per_token.values(), default=0) / self.scenario.vk_rate

    def naive(self, entries: list[dict], keys: list[str], twin) -> dict:
        """The same work one request per operation, measured in the same run (sampled beyond the budget)."""
        by_user = defaultdict(list)
        for entry in entries:
            by_user[entry.get("user_id")].append(entry)
        jobs, plans = [], []
        with serve_in_thread(twin.wsgi_app) as twin_url:
            twin.base_url = twin_url
            for key in keys:
                merchant = self.world.merchants[key]
                steps = naive.naive_steps(by_user[merchant.vk_user_id])
                chosen = naive.sample(steps, self.scenario.naive_budget)
                path = self.workers.directory / f"naive-{key}-{len(self.rows)}.json"
                path.write_text(json.dumps(chosen, ensure_ascii=False), encoding="utf-8")
                args = {
                    "steps_file": str(path),
                    "token": merchant.vk_token,
                    "group_id": merchant.group_id,
                    "base_url": twin_url,
                    "known_photos": sorted(twin.photos),
                }
                jobs.append(("naive", args))
                plans.append(steps)
            results = self.workers.run_side_by_side(jobs)
        parts = [naive.extrapolate(steps, result["out"]) for steps, result in zip(plans, results, strict=True)]
        return {
            "naive_requests": sum(p["naive_requests"] for p in parts),
            "naive_wall_s": max(p["naive_wall_s"] for p in parts),  # merchants side by side, as in the phase
            "naive_sampled": any(p["naive_sampled"] for p in parts),
            "naive_measured_requests": sum(p["naive_measured_requests"] for p in parts),
            "naive_errors": sum(p["naive_errors"] for p in parts),
        }

    def base_row(self, name: str, results: list[dict], *, products: int) -> dict:
        wall = max(r["finished"] for r in results) - min(r["started"] for r in results)
        queries = sum(r["db_queries"] for r in results)
        return {
            "phase": name,
            "wall_s": wall,
            "cpu_s": sum(r["cpu_s"] for r in results),
            "db_queries": queries,
            "products": products,
            "db_queries_per_1k": queries / max(products, 1) * 1000,
            "peak_rss_mb": max(r["peak_rss_mb"] for r in results),
        }


def _zero_vk() -> dict:
    return {
        "vk_requests": 0,
        "vk_by_method": {},
        "uploads": 0,
        "minimal_requests": 0,
        "bound_s": 0.0,
        "naive_requests": None,
        "naive_wall_s": None,
        "requests_ratio": None,
        "time_ratio": None,
    }


def _ratios(row: dict) -> None:
    row["requests_ratio"] = row["vk_requests"] / row["minimal_requests"] if row["minimal_requests"] else None
    row["time_ratio"] = row["wall_s"] / row["bound_s"] if row["bound_s"] else None
    row["naive_requests_ratio"] = row["naive_requests"] / row["vk_requests"] if row["vk_requests"] else None
    row["naive_time_ratio"] = row["naive_wall_s"] / row["wall_s"] if row["wall_s"] else None
