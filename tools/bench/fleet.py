"""`manage.py bench_fleet`: a fleet of shops synced by real Celery worker nodes on MariaDB and Redis.

Phases, each through production's own entry points (the orchestrator only pulls the triggers and watches):

1. `connect`: every merchant's Evotor token arrives (`catalog.triggers.on_token_received`: a catalog refresh queued).
2. `first_sync`: each merchant publishes its stores and confirms the first sync's plan (`vksync.triggers.confirm_plan`),
   the big shops first; every run ends.
3. `hour`: 1 % of each small shop's products change in Evotor, and the big shops get a new price list (all their
   products by default, `big_change_share`: their hourly syncs are long ones), then the beat runs for one hour
   compressed by the time factor (its schedule installed as `install_schedules` does, every entry due within the
   hour made due at its start); the refreshes it fans out announce the changes and the syncs follow, as in
   production. The phase ends when the hour is over and nothing is queued or running.

Figures come from the emulators' logs (VK requests with their times and tokens, Evotor statuses), the bench
database (SyncRun timestamps and counts), the nodes' processes (/proc: CPU, peak memory) and the probes inside the
nodes (`fleet_probe`: each task's times, CPU and statements). `fleet_figures` computes them.
"""

import time
from contextlib import ExitStack
from pathlib import Path

from emulators.server import serve_in_thread
from tools.bench import fleet_figures, fleet_probe
from tools.bench.fleet_nodes import Fleet, empty_redis, fleet_env, queued_messages
from tools.bench.fleet_scenario import FleetScenario, FleetWorld
from tools.bench.measure import cpu_seconds
from tools.bench.workers import Workers

ALIAS = "bench_fleet"
POLL_SECONDS = 1.0


class FleetRunner:
    def __init__(self, fleet: FleetScenario, *, database_url: str, broker_url: str, redis_url: str, var_dir: Path,
                 say=print):  # fmt: skip
        self.fleet = fleet
        self.database_url, self.broker_url, self.redis_url = database_url, broker_url, redis_url
        self.var_dir = var_dir
        self.say = say
        self.world = FleetWorld(fleet)
        self.rows: list[dict] = []
        self.notes: list[str] = []
        self.ids: dict[str, int] = {}
        self.engine: dict = {}
        self.sampler = fleet_probe.ProcessSampler()
        self.probe_dir = var_dir / "probe"

    def step(self, text: str) -> None:
        self.say(f"[bench-fleet {time.strftime('%H:%M:%S', time.gmtime())}] {text}")

    # ----- plumbing -----------------------------------------------------------------------------
    def run(self) -> list[dict]:
        self._fresh_folders()
        empty_redis(self.redis_url, self.broker_url)
        self.step(f"generating {self.fleet.shops} shops and {self.fleet.big} big ones in the emulators")
        sizes = self.fleet.sizes()
        for number, products in enumerate(sizes):
            big = number >= self.fleet.shops
            self.world.add_shop(f"b{number - self.fleet.shops + 1}" if big else f"s{number + 1}", products, big=big)
        with ExitStack() as stack:
            evotor_url = stack.enter_context(serve_in_thread(self.world.evotor.wsgi_app))
            vk_url = stack.enter_context(serve_in_thread(self.world.vk.wsgi_app))
            self.world.evotor.base_url, self.world.vk.base_url = evotor_url, vk_url
            urls = {"evotor_url": evotor_url, "vk_url": vk_url}
            self.workers = Workers(self._env(urls, slice_s=None), self.var_dir / "jobs")
            self.step("migrating the bench database, reading the engine's settings")
            self.workers.run("migrate")
            self._engine_settings(urls)
            self.ids = self.workers.run("fleet_setup", merchants=[s.merchant.as_job() for s in self._shops()])["out"]
            fleet_figures.attach_database(ALIAS, self.database_url)
            nodes = Fleet(self.workers.env, self.var_dir, nodes=self.fleet.nodes, pool=self.fleet.pool,
                          concurrency=self.fleet.concurrency, sampler=self.sampler,
                          queues=self.fleet.queues)  # fmt: skip
            self.sampler.start()
            stack.callback(self.sampler.stop)
            stack.callback(nodes.stop)
            self.step(f"starting {self.fleet.nodes} worker nodes ({self.fleet.pool}, concurrency "
                      f"{self.fleet.concurrency})")  # fmt: skip
            nodes.start_nodes()
            self.connect_phase()
            self.first_sync_phase()
            self.hour_phase(nodes)
        return self.rows

    def _fresh_folders(self) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.probe_dir.mkdir(parents=True, exist_ok=True)
        for path in [*self.probe_dir.glob("tasks-*.jsonl"), *self.var_dir.glob("*.log")]:
            path.unlink()

    def _env(self, urls: dict, *, slice_s: float | None) -> dict:
        return fleet_env(self.fleet, database_url=self.database_url, broker_url=self.broker_url,
                         redis_url=self.redis_url, var_dir=self.var_dir, slice_s=slice_s, **urls)  # fmt: skip

    def _engine_settings(self, urls: dict) -> None:
        """The engine's slice budget: --slice-seconds, else its default divided by the time factor; None: no slices."""
        self.engine = self.workers.run("fleet_settings")["out"]
        default = self.engine["slice_s"]
        if default is None:
            self.notes.append("This engine has no SYNC_SLICE_SECONDS: a run takes its task slot from start to end "
                              "(no slices); task durations are reported, the slice targets cannot be met.")  # fmt: skip
            return
        slice_s = self.fleet.slice_seconds or max(1.0, round(default / self.fleet.time_factor))
        self.workers.env = self._env(urls, slice_s=slice_s)
        self.engine = self.workers.run("fleet_settings")["out"] | {"slice_default_s": default}

    def _shops(self):
        return sorted(self.world.shops.values(), key=lambda s: (not s.big, s.merchant.number))

    # ----- phases -------------------------------------------------------------------------------
    def connect_phase(self) -> None:
        self.step(f"connect: {len(self.ids)} Evotor tokens arrive, each queues a catalog refresh")
        mark = self._mark()
        self.workers.run("fleet_connect", merchant_ids=[self.ids[s.key] for s in self._shops()])
        wanted = set(self.ids.values())
        self._until(lambda: wanted <= _refreshed(fleet_probe.read_tasks(self.probe_dir), mark["t"]), "catalogs read")
        self.rows.append(self._row("connect", mark))

    def first_sync_phase(self) -> None:
        shops = self._shops()
        self.workers.run("fleet_publish", stores={self.ids[s.key]: s.published for s in shops})
        products = sum(s.products for s in shops)
        self.step(f"first_sync: {len(shops)} merchants confirm their first sync ({products} products), big first")
        mark = self._mark()
        self.workers.run("fleet_confirm", merchant_ids=[self.ids[s.key] for s in shops])
        self._until(lambda: fleet_figures.all_settled(ALIAS, mark["t"], set(self.ids.values())), "first syncs")
        row = self._row("first_sync", mark)
        row.update(fleet_figures.ideal(self.world, self.fleet))
        fleet_figures.ratio(row)
        self.rows.append(row)

    def hour_phase(self, nodes: Fleet) -> None:
        changed = {s.key: self.fleet_change(s.key, s.big) for s in self._shops()}
        big = sum(n for key, n in changed.items() if self.world.shops[key].big)
        self.step(f"hour: {sum(changed.values()) - big} products changed in the small shops, {big} in the big ones; "
                  f"the beat runs for {self.fleet.hour:.0f} s (one hour ÷ {self.fleet.time_factor:g})")  # fmt: skip
        due = self.workers.run("fleet_beat_setup", hour_s=self.fleet.hour)["out"]["due"]
        self.engine["beat_due"] = due
        mark = self._mark()
        nodes.start_beat()
        time.sleep(max(0.0, mark["t"] + self.fleet.hour - time.time()))
        nodes.stop_beat()
        self.step("hour over: waiting for the queued work to end")
        self._until(lambda: self._drained(mark["t"]), "the hour's work", stable=3)
        row = self._row("hour", mark)
        row["changed"], row["changed_big"] = sum(changed.values()), big
        row["hour_s"] = self.fleet.hour
        self.rows.append(row)

    def fleet_change(self, key: str, big: bool) -> int:
        """1 % of a small shop's products changed; a big shop's new price list (`big_change_share`) makes its hourly
        sync a long one, the small shops' hourly syncs come while it runs (the fairness figure)."""
        return self.world.change_share(key, self.fleet.big_change_share if big else self.fleet.change_share, hour=0)

    # ----- figures ------------------------------------------------------------------------------
    def _mark(self) -> dict:
        self.sampler.sample()  # the nodes' CPU as of now, not as of the last periodic read
        return {
            "t": time.time(),
            "vk": len(self.world.vk.request_log),
            "evotor": len(self.world.evotor.request_log),
            "cpu": self.sampler.cpu_s(),
            "emulators_cpu": cpu_seconds(),
        }

    def _row(self, name: str, mark: dict) -> dict:
        end = self._mark()
        big = {self.ids[s.key] for s in self.world.shops.values() if s.big}
        return fleet_figures.phase_row(
            name,
            start=mark,
            end=end,
            vk_entries=self.world.vk.request_log[mark["vk"] : end["vk"]],
            evotor_entries=self.world.evotor.request_log[mark["evotor"] : end["evotor"]],
            runs=fleet_figures.runs_between(ALIAS, mark["t"], end["t"]),
            tasks=[t for t in fleet_probe.read_tasks(self.probe_dir) if mark["t"] <= t["start"] < end["t"]],
            big=big,
            engine=self.engine,
            fleet=self.fleet,
            rss=self.sampler.peak_rss_mb(),
            pauses=[p for p in fleet_probe.read_gc(self.probe_dir) if mark["t"] <= p["start"] < end["t"]],
        )

    def _drained(self, since: float) -> bool:
        return queued_messages(self.broker_url) == 0 and fleet_figures.all_settled(ALIAS, since, set())

    def _until(self, condition, what: str, *, stable: int = 1) -> None:
        deadline, seen = time.monotonic() + self.fleet.drain_seconds, 0
        while True:
            seen = seen + 1 if condition() else 0
            if seen >= stable:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what}: not done after {self.fleet.drain_seconds:.0f} s")
            time.sleep(POLL_SECONDS)


def _refreshed(tasks: list[dict], since: float) -> set[int]:
    """Merchants whose catalog refresh task ended well since `since`."""
    return {
        t["merchant"]
        for t in tasks
        if t["task"] == "catalog.refresh_catalog" and t["start"] >= since and t["retval"] == "'ok'"
    }
