"""`manage.py bench_web` (`make bench-web`): merchant pages at 10,000 products under gunicorn, 20 clients.

Prints per page p50/p95 and queries (targets: ≤ 12 queries, p95 ≤ 150 ms), a `BENCH {json}` line per page,
and writes the table into docs/benchmarks.md. Loopback only; bounded in requests and time.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from tools.bench import report
from tools.bench.scenario import Scenario, bench_database_url, reset_database
from tools.bench.web import MAX_P95_MS, MAX_QUERIES, WebOptions, run_web, web_line, web_table

START, END = "<!-- bench:web:start -->", "<!-- bench:web:end -->"


class Command(BaseCommand):
    help = "Load the merchant pages (10,000 products) under gunicorn with concurrent clients; p50/p95 and queries."
    requires_system_checks = []

    def add_arguments(self, parser):
        options = WebOptions()
        parser.add_argument("--products", type=int, default=Scenario.products)
        parser.add_argument("--groups", type=int, default=Scenario.groups)
        parser.add_argument("--stores", type=int, default=Scenario.stores)
        parser.add_argument("--clients", type=int, default=options.clients)
        parser.add_argument("--requests", type=int, default=options.requests, help="answers to collect, at most")
        parser.add_argument("--duration", type=float, default=options.duration, help="seconds of load, at most")
        parser.add_argument("--gunicorn-workers", type=int, default=options.gunicorn_workers)
        parser.add_argument("--think", type=float, default=options.think,
                            help="seconds a client waits between pages (0: closed loop)")  # fmt: skip
        parser.add_argument("--quick", action="store_true", help="1,000 products, 300 requests")
        parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
        parser.add_argument("--docs", default="docs/benchmarks.md", help="write results here ('' to skip)")

    def handle(self, *args, **opts):
        scenario = Scenario(products=opts["products"], groups=opts["groups"], stores=opts["stores"], vk_rate=1000,
                            latency=0.0, two_merchants=False)  # fmt: skip
        options = WebOptions(
            opts["clients"], opts["requests"], opts["duration"], opts["gunicorn_workers"], opts["think"]
        )
        if opts["quick"]:
            scenario.products, scenario.groups, options.requests = 1000, 10, 300
        var_dir = Path(settings.VAR_DIR) / "bench"
        database_url = bench_database_url(
            explicit=opts["database_url"], configured=os.environ.get("DATABASE_URL", ""), var_dir=var_dir
        )
        database = reset_database(database_url)
        outcome = run_web(
            scenario, options, database_url=database_url, var_dir=var_dir, base_dir=settings.BASE_DIR,
            say=self.stdout.write,
        )  # fmt: skip
        rows = outcome["rows"]
        table = web_table(rows)
        summary = (
            f"{options.clients} clients (think {options.think:g} s), {sum(r['requests'] for r in rows)} requests in "
            f"{outcome['elapsed_s']:.1f} s "
            f"({outcome['throughput']:.0f}/s), gunicorn {options.gunicorn_workers} sync workers; "
            f"{scenario.products} products; targets: ≤ {MAX_QUERIES} queries, p95 ≤ {MAX_P95_MS} ms."
        )
        self.stdout.write("\n" + table + "\n" + summary)
        for row in rows:
            self.stdout.write(web_line(row))
        if opts["docs"]:
            host = report.machine(database, redis=bool(os.environ.get("REDIS_URL")))
            block = "\n".join([
                f"Run on {host['date']}. Machine: {host['cpu']}, {host['cores']} cores, {host['ram']} RAM; "
                f"Python {host['python']}; {host['database']}; {host['redis']}.", "", summary, "", table, "",
                "```", *(web_line(r) for r in rows), "```",
            ])  # fmt: skip
            path = Path(opts["docs"])
            path = path if path.is_absolute() else Path(settings.BASE_DIR) / path
            report.write_docs(path, block, start=START, end=END)
            self.stdout.write(f"\nresults written to {path}")
