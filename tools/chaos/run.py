"""The harness process of `make chaos` (`manage.py chaos --inside`): its environment already names the chaos
database, the chaos Redis and the emulators' ports. It starts Redis, makes the database, serves the emulators,
starts the worker, runs the faults one by one, prints and (when asked) writes the results, and ends all it
started — also when stopped with SIGTERM."""

import os
import shutil
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.db import connections

from emulators.server import serve_in_thread
from tools.bench.report import machine, write_docs
from tools.chaos import report
from tools.chaos.clusters import WorkerCluster
from tools.chaos.faults import faults_for
from tools.chaos.harness import Harness, world_for
from tools.chaos.processes import ChaosDatabase, PidFile, RedisServer


def run_inside(options: dict, say=print) -> int:
    """Every fault (or those named); 0 when each converged with nothing duplicated, lost or left wrong."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so every `finally` below ends what it started
    var_dir = Path(settings.VAR_DIR)
    for old_log in var_dir.glob("worker-*.log"):
        old_log.unlink()
    pids = PidFile(var_dir / "pids")
    outcomes = []
    with ExitStack() as stack:
        redis = RedisServer(urlsplit(settings.REDIS_URL).port, Path(tempfile.mkdtemp(prefix="evosync-chaos-")), pids)
        stack.callback(shutil.rmtree, redis.directory, ignore_errors=True)
        stack.callback(redis.stop)
        redis.start()
        database = ChaosDatabase(options["database_url"])
        engine = database.create()
        stack.callback(database.drop)
        stack.callback(connections.close_all)
        call_command("migrate", verbosity=0, interactive=False)
        world = world_for(
            products=options["products"],
            groups=options["groups"],
            image_share=options["image_share"],
            vk_rate=options["vk_rate"],
            latency=options["latency"],
            seed=options["seed"],
        )
        for emulator, url in ((world.evotor, settings.EVOTOR_API_URL), (world.vk, settings.VK_API_URL)):
            emulator.base_url = stack.enter_context(serve_in_thread(emulator.wsgi_app, port=urlsplit(url).port))
        cluster = WorkerCluster(env=dict(os.environ), redis=redis, database=database, var_dir=var_dir, pids=pids)
        stack.callback(cluster.close)
        cluster.start()
        harness = Harness(world, cluster, seconds_per_fault=options["seconds_per_fault"])
        faults, skipped = faults_for(cluster.provides, options["fault"] or None)
        say(f"chaos: {engine}, {len(faults)} faults, {options['products']} products each; worker logs in {var_dir}")
        for fault in faults:
            say(f"[chaos {time.strftime('%H:%M:%S', time.gmtime())}] {fault.name}: {fault.title}")
            outcome = harness.run(fault)
            outcomes.append(outcome)
            for line in report.lines(outcome):
                say(line)
            for note in dict.fromkeys(outcome.notes):
                say(f"  note: {note}")
        say("\n" + report.table(outcomes))
        if options["docs"]:
            sizes = {k: options[k] for k in ("products", "groups", "image_share", "vk_rate", "latency", "seed")}
            block = report.results_block(
                outcomes=outcomes,
                host=machine(engine, redis=True),
                sizes=sizes,
                command=os.environ.get("CHAOS_COMMAND", "make chaos"),
                skipped=skipped,
            )
            path = Path(options["docs"])
            path = path if path.is_absolute() else Path(settings.BASE_DIR) / path
            write_docs(path, block, start=report.START, end=report.END)
            say(f"results written to {path}")
    return 0 if outcomes and all(outcome.ok for outcome in outcomes) else 1
