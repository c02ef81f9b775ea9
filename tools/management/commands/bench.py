"""`manage.py bench` (`make bench`): EvoSync on the emulators against VK's rate-limit bound and the naive way.

Prints per phase the figure, the bound and their ratio, a `BENCH {json}` line per phase, the targets,
and writes the results into docs/benchmarks.md. A command, never a timed test; it stops by itself.
"""

import os
import shlex
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tools.bench import report
from tools.bench.runner import Runner
from tools.bench.scenario import QUICK, Scenario, bench_database_url, reset_database


class Command(BaseCommand):
    help = "Benchmark EvoSync on the emulators (VK rate limit scaled); prints BENCH lines, writes docs/benchmarks.md."
    requires_system_checks = []

    def add_arguments(self, parser):
        defaults = Scenario()
        parser.add_argument("--quick", action="store_true", help=f"small run: {QUICK}")
        parser.add_argument("--products", type=int, help=f"products per merchant (default {defaults.products})")
        parser.add_argument("--groups", type=int, help=f"product groups per merchant (default {defaults.groups})")
        parser.add_argument("--stores", type=int, default=defaults.stores)
        parser.add_argument("--image-share", type=float, default=defaults.image_share)
        parser.add_argument("--vk-rate", type=float, default=defaults.vk_rate,
                            help="VK requests per second per token (VK: 3; the same rules, time scaled)")  # fmt: skip
        parser.add_argument("--latency", type=float, default=defaults.latency, help="VK seconds per request")
        parser.add_argument("--evotor-latency", type=float, default=defaults.evotor_latency)
        parser.add_argument("--change-share", type=float, default=defaults.change_share)
        parser.add_argument("--remove-share", type=float, default=defaults.remove_share)
        parser.add_argument("--no-two-merchants", action="store_true", help="skip the two_merchants phase")
        parser.add_argument("--no-photos", action="store_true", help="skip the photo-rich phases")
        parser.add_argument("--only-photos", action="store_true",
                            help="only the photo-rich phases (after the first merchant's Evotor phases)")  # fmt: skip
        parser.add_argument("--photo-variants", type=float, default=defaults.photo_variants,
                            help="share of the photo-rich catalog's products in variant cards")  # fmt: skip
        parser.add_argument("--photo-bulk", type=int, default=defaults.photo_bulk,
                            help="photos per bulk upload (VK_PHOTO_BULK_FILES; 0: one save each)")  # fmt: skip
        parser.add_argument("--naive-budget", type=int,
                            help=f"naive requests measured per phase and merchant, the rest extrapolated; 0: all "
                                 f"(default {defaults.naive_budget})")  # fmt: skip
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                            help="the bench database (emptied!); default: DATABASE_URL's server with a *_bench "
                                 "database, else var/bench/bench.sqlite3")  # fmt: skip
        parser.add_argument("--docs", default="docs/benchmarks.md", help="write results here ('' to skip)")
        parser.add_argument("--only", default="", choices=["", "order_to_merchant"],
                            help="run this phase alone (on an empty shop)")  # fmt: skip
        parser.add_argument("--profile", action="append", default=[], metavar="PHASE",
                            help="profile PHASE's worker (var/bench/profile-PHASE-*.txt); repeatable")  # fmt: skip
        parser.add_argument("--timeline", action="append", default=[], metavar="PHASE",
                            help="PHASE's VK requests in time, its longest pauses (var/bench/timeline-PHASE.txt); "
                                 "repeatable")  # fmt: skip

    def scenario(self, options) -> Scenario:
        preset = QUICK if options["quick"] else {}
        values = Scenario()
        for name in ("stores", "image_share", "vk_rate", "latency", "evotor_latency", "change_share",
                     "remove_share", "seed"):  # fmt: skip
            setattr(values, name, options[name])
        for name in ("products", "groups", "naive_budget"):
            chosen = options[name] if options[name] is not None else preset.get(name)
            if chosen is not None:
                setattr(values, name, chosen)
        values.two_merchants = not options["no_two_merchants"]
        values.photos, values.only_photos = not options["no_photos"], options["only_photos"]
        values.photo_bulk, values.photo_variants = options["photo_bulk"], options["photo_variants"]
        return values

    def handle(self, *args, **options):
        scenario = self.scenario(options)
        var_dir = Path(settings.VAR_DIR) / "bench"
        database_url = bench_database_url(
            explicit=options["database_url"], configured=os.environ.get("DATABASE_URL", ""), var_dir=var_dir
        )
        database = reset_database(database_url)
        self.stdout.write(f"bench database: {database} ({_masked(database_url)}); VK {scenario.vk_rate}/s per token")
        runner = Runner(
            scenario,
            database_url=database_url,
            var_dir=var_dir,
            say=self.stdout.write,
            profile=options["profile"],
            timeline=options["timeline"],
            only=options["only"],
        )
        rows = runner.run()
        checks = report.targets(rows)
        self.stdout.write("\n" + report.table(rows) + "\n")
        self.stdout.write(report.methods_table(rows) + "\n")
        for row in rows:
            self.stdout.write(report.bench_line(row))
        self.stdout.write("\nTargets:\n" + report.targets_text(checks, scenario.products))
        for note in runner.notes:
            self.stdout.write(f"note: {note}")
        if options["docs"]:
            host = report.machine(database, redis=bool(os.environ.get("REDIS_URL")))
            command = "manage.py bench " + shlex.join(sys.argv[2:]) if len(sys.argv) > 2 else "make bench"
            block = report.results_block(
                rows=rows, checks=checks, scenario=scenario.as_dict(), host=host, notes=runner.notes, command=command
            )
            path = Path(options["docs"])
            path = path if path.is_absolute() else Path(settings.BASE_DIR) / path
            path.parent.mkdir(parents=True, exist_ok=True)
            report.write_docs(path, block)
            self.stdout.write(f"\nresults written to {path}")
        if runner.failed:
            raise CommandError(f"the benchmark stopped early:\n{runner.failed}")


def _masked(url: str) -> str:
    """The database URL without its password."""
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    return f"{scheme}://{credentials.split(':', 1)[0]}@{host}"
