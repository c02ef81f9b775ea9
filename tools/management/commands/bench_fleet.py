"""`manage.py bench_fleet` (`make bench-fleet`): a fleet of shops on real Celery worker nodes, MariaDB and Redis.

Prints a table per phase, the targets, the capacity model and one `BENCH_FLEET {json}` line, and writes the
results into docs/benchmarks.md (between the `bench-fleet:results` markers). A command, never a timed test.
"""

import os
import shlex
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tools.bench import fleet_report, report
from tools.bench.fleet import FleetRunner
from tools.bench.fleet_scenario import QUICK, TINY, FleetScenario
from tools.bench.scenario import bench_database_url, reset_database

FIELDS = ("shops", "small_min", "small_max", "big", "big_products", "image_share", "change_share", "big_change_share",
          "vk_rate", "latency", "hour_seconds", "nodes", "concurrency", "pool", "queues", "slice_seconds",
          "drain_seconds", "seed")  # fmt: skip


class Command(BaseCommand):
    help = "Benchmark a fleet of shops on real Celery workers (MariaDB + Redis); prints BENCH_FLEET, writes the docs."
    requires_system_checks = []

    def add_arguments(self, parser):
        d = FleetScenario()
        parser.add_argument("--quick", action="store_true", help=f"a run of a few minutes: {QUICK}")
        parser.add_argument("--tiny", action="store_true", help="the harness end to end in well under a minute")
        parser.add_argument("--shops", type=int, help=f"small shops (default {d.shops})")
        parser.add_argument("--small-min", type=int, help=f"products of the smallest (default {d.small_min})")
        parser.add_argument("--small-max", type=int, help=f"products of the biggest small one (default {d.small_max})")
        parser.add_argument("--big", type=int, help=f"big shops (default {d.big})")
        parser.add_argument("--big-products", type=int, help=f"products of a big shop (default {d.big_products})")
        parser.add_argument("--image-share", type=float)
        parser.add_argument("--change-share", type=float, help="products changed per small shop and hour (0.01)")
        parser.add_argument("--big-change-share", type=float, help="products a big shop re-prices in the hour (1.0)")
        parser.add_argument("--vk-rate", type=float, help="VK requests/s per token (VK: 3; default 30: time ×10)")
        parser.add_argument("--latency", type=float, help="VK seconds per request (default 0.01)")
        parser.add_argument("--hour-seconds", type=float, help="the compressed hour (default 3600 ÷ time factor)")
        parser.add_argument("--nodes", type=int, help=f"worker processes standing in for nodes (default {d.nodes})")
        parser.add_argument("--concurrency", type=int, help=f"per node (default {d.concurrency})")
        parser.add_argument("--pool", choices=["prefork", "threads", "solo", "gevent", "eventlet"],
                            help=f"per node (default {d.pool})")  # fmt: skip
        parser.add_argument("--queues", help="the nodes' -Q, comma-separated (default: the worker's own)")
        parser.add_argument("--slice-seconds", type=float,
                            help="SYNC_SLICE_SECONDS of the nodes (default: the engine's ÷ time factor)")  # fmt: skip
        parser.add_argument("--drain-seconds", type=float, help="longest wait for a phase's work to end")
        parser.add_argument("--seed", type=int)
        parser.add_argument(
            "--database-url",
            default=os.environ.get("BENCH_DATABASE_URL", ""),
            help="MariaDB, emptied! default: DATABASE_URL's server, database <name>_bench_fleet",
        )
        parser.add_argument(
            "--redis-url",
            default=os.environ.get("REDIS_URL", ""),
            help="Redis database for cache, locks and rate limiter, emptied! (default REDIS_URL)",
        )
        parser.add_argument(
            "--broker-url", default="", help="Redis database for the broker, emptied! (default: REDIS_URL's next)"
        )
        parser.add_argument("--docs", default="docs/benchmarks.md", help="write results here ('' to skip)")

    def scenario(self, options) -> FleetScenario:
        preset = TINY if options["tiny"] else QUICK if options["quick"] else {}
        fleet = FleetScenario(**preset)
        for name in FIELDS:
            if options.get(name) is not None:
                setattr(fleet, name, options[name])
        return fleet

    def handle(self, *args, **options):
        fleet = self.scenario(options)
        database_url = _fleet_database_url(options["database_url"])
        redis_url = options["redis_url"]
        if not redis_url:
            raise CommandError("bench-fleet needs Redis: set REDIS_URL or --redis-url (its database is emptied)")
        broker_url = options["broker_url"] or _next_database(redis_url)
        database = reset_database(database_url)
        var_dir = Path(settings.VAR_DIR) / "bench-fleet"
        self.stdout.write(f"bench database: {database}; Redis {_hide(redis_url)}, broker {_hide(broker_url)}")
        runner = FleetRunner(fleet, database_url=database_url, broker_url=broker_url, redis_url=redis_url,
                             var_dir=var_dir, say=self.stdout.write)  # fmt: skip
        failure = ""
        try:
            rows = runner.run()
        except Exception as exc:  # noqa: BLE001 - what was measured is still reported
            failure, rows = f"{type(exc).__name__}: {exc}", runner.rows
            runner.notes.append(f"The run stopped after {len(rows)} phases: {failure}")
        shops = len(runner.world.shops)
        products = sum(s.products for s in runner.world.shops.values())
        model = fleet_report.capacity(rows, fleet=fleet, shops=shops, products=products)
        checks = fleet_report.targets(rows, runner.engine)
        line = fleet_report.bench_line(rows=rows, engine=runner.engine, capacity=model, scenario=fleet.as_dict())
        self.stdout.write("\n" + fleet_report.table(rows) + "\n")
        self.stdout.write("Targets:\n" + fleet_report.targets_text(checks) + "\n")
        self.stdout.write(fleet_report.capacity_text(model) + "\n")
        for note in runner.notes:
            self.stdout.write(f"note: {note}")
        self.stdout.write(line)
        if options["docs"]:
            host = report.machine(database, redis=True)
            command = "manage.py bench_fleet " + shlex.join(sys.argv[2:]) if len(sys.argv) > 2 else "make bench-fleet"
            block = fleet_report.results_block(rows=rows, checks=checks, model=model, engine=runner.engine,
                                               scenario=fleet.as_dict(), host=host, notes=runner.notes,
                                               command=command)  # fmt: skip
            path = Path(options["docs"])
            path = path if path.is_absolute() else Path(settings.BASE_DIR) / path
            report.write_docs(path, block, start=fleet_report.START, end=fleet_report.END)
            self.stdout.write(f"\nresults written to {path}")
        if failure:
            raise CommandError(f"the fleet benchmark stopped early: {failure}")


def _fleet_database_url(explicit: str) -> str:
    """--database-url, else DATABASE_URL's server with a `<name>_bench_fleet` database; MariaDB only."""
    configured = os.environ.get("DATABASE_URL", "")
    url = explicit or configured
    if not url.startswith("mysql"):
        raise CommandError("bench-fleet runs on MariaDB only (real workers side by side): set DATABASE_URL=mysql://… "
                           "or --database-url; SQLite is refused")  # fmt: skip
    if explicit:
        return explicit
    base = bench_database_url(explicit="", configured=configured, var_dir=Path("."))
    server, name = base.split("?", 1)[0].rsplit("/", 1)
    name = name.removesuffix("_bench").removesuffix("bench") or "evosync"
    return f"{server}/{name}_bench_fleet"


def _next_database(url: str) -> str:
    head, _, tail = url.rpartition("/")
    number = int(tail.split("?", 1)[0] or 0) if tail.split("?", 1)[0].isdigit() else 0
    return f"{head}/{number + 1}"


def _hide(url: str) -> str:
    return url.split("@", 1)[-1] if "@" in url else url
