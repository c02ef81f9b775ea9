"""`manage.py chaos` (`make chaos`): EvoSync under faults with a real Celery worker, its own Redis and MariaDB.

Prints per fault one line and a `CHAOS {json}` line; exits 1 when any fault leaves a duplicate, a lost item,
a storm of tasks, no convergence, or a shop that differs from the catalog. Stops by itself (`--timeout`).

This process only checks what is needed and starts the harness in a process of its own (`--inside`), whose
environment names the chaos database, the chaos Redis and the emulators' ports from the start; the harness,
its Redis and its workers are ended by pid if it overruns. Without redis-server or MariaDB it says why and
skips (or fails, with `--require` / CHAOS_REQUIRED=1, as CI does).
"""

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tools.chaos.processes import ChaosDatabase, PidFile, RedisServer, free_port

DEFAULT_DATABASE = "mysql://root@127.0.0.1:3306/evosync_chaos"


class Command(BaseCommand):
    help = "Faults injected into a real worker's sync (Redis, MariaDB, the emulators of its own); CHAOS lines."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=300, help="products of each fault's merchant")
        parser.add_argument("--groups", type=int, default=6)
        parser.add_argument("--image-share", type=float, default=0.3, help="share of products with a picture")
        parser.add_argument("--vk-rate", type=float, default=20.0, help="VK requests per second per token")
        parser.add_argument("--latency", type=float, default=0.01, help="VK seconds per request")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--fault", action="append", default=[], help="run only this fault (repeatable)")
        parser.add_argument("--seconds-per-fault", type=float, default=180, help="bound on one fault")
        parser.add_argument("--timeout", type=float, default=1200, help="bound on the whole run, in seconds")
        parser.add_argument("--database-url", default=os.environ.get("CHAOS_DATABASE_URL", DEFAULT_DATABASE),
                            help="created empty, dropped at the end (its name must contain 'chaos')")  # fmt: skip
        parser.add_argument("--docs", default="", help="write the results table into this file (docs/chaos.md)")
        parser.add_argument("--require", action="store_true", default=os.environ.get("CHAOS_REQUIRED") == "1",
                            help="fail instead of skipping when redis-server or MariaDB is missing")  # fmt: skip
        parser.add_argument("--inside", action="store_true", help="(internal) the harness process itself")

    def handle(self, *args, **options):
        if options["inside"]:
            from tools.chaos.run import run_inside

            sys.exit(run_inside(options, say=self.stdout.write))  # the launcher says what a non-zero code means
        missing = RedisServer.available() or ChaosDatabase(options["database_url"]).available()
        if missing:
            if options["require"]:
                raise CommandError(f"chaos: cannot run: {missing}")
            self.stdout.write(f"chaos: skipped: {missing}")
            return
        self.launch(options)

    def launch(self, options) -> None:
        var_dir = Path(settings.VAR_DIR) / "chaos"
        var_dir.mkdir(parents=True, exist_ok=True)
        env = harness_env(options, var_dir)
        env["CHAOS_COMMAND"] = "manage.py chaos " + shlex.join(sys.argv[2:]) if len(sys.argv) > 2 else "make chaos"
        command = [sys.executable, "manage.py", "chaos", "--inside", *passed_on(options)]
        self.stdout.write(f"chaos: {shlex.join(command[1:])} (Redis on {env['REDIS_URL']}, logs in {var_dir})")
        harness = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR, start_new_session=True)  # noqa: S603
        try:
            code = harness.wait(timeout=options["timeout"])
        except subprocess.TimeoutExpired:
            code = None
        finally:
            if harness.poll() is None:  # overran, or this command was interrupted: stop it, then what it started
                harness.send_signal(signal.SIGTERM)
                try:
                    harness.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    harness.kill()
                    harness.wait()
            PidFile.end_all(var_dir / "pids")
        if code is None:
            raise CommandError(f"chaos: the run overran {options['timeout']:.0f} s and was stopped")
        if code:
            raise CommandError("chaos: a fault left the shop wrong (see the FAILED lines)")


def passed_on(options) -> list[str]:
    args = []
    for name in ("products", "groups", "image_share", "vk_rate", "latency", "seed", "seconds_per_fault",
                 "database_url", "docs"):  # fmt: skip
        args += [f"--{name.replace('_', '-')}", str(options[name])]
    for fault in options["fault"]:
        args += ["--fault", fault]
    return args


def harness_env(options, var_dir: Path) -> dict:
    """The environment of the harness and its workers: the chaos database and Redis, the emulators' ports,
    VK's rules at the scenario's rate, short debounce and staleness so faults play out in seconds."""
    from tools.bench.scenario import Scenario, worker_env

    scenario = Scenario(vk_rate=options["vk_rate"])
    evotor, vk = f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"
    env = worker_env(
        scenario=scenario, database_url=options["database_url"], var_dir=var_dir, evotor_url=evotor, vk_url=vk
    )
    redis_url = f"redis://127.0.0.1:{free_port()}/0"
    env.update(
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        SYNC_DEBOUNCE_SECONDS="1",
        SYNC_STALE_SECONDS="15",
        EVOTOR_RETRY_BACKOFF_SECONDS="0.05",
        LOG_LEVEL=os.environ.get("CHAOS_LOG_LEVEL", "WARNING"),  # the workers log INFO to their own files
    )
    return env
