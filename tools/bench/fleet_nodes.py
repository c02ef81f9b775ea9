"""`make bench-fleet`'s EvoSync side: real Celery worker processes standing in for worker nodes, and the beat.

Each node is `celery -A tools.bench.fleet_app worker --pool=… --concurrency=…` (compose runs `celery -A evosync
worker` with CELERY_WORKER_POOL=threads and CELERY_WORKER_CONCURRENCY=16; the bench's app is EvoSync's with the
probes of `fleet_probe`), pool and concurrency given on the command line and in the environment as compose would.
Each runs in a session of its own, so stopping a node stops its pool's children too; nothing else is ever signalled.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis
from celery import Celery
from django.conf import settings

from tools.bench.scenario import worker_env

READY_SECONDS = 180
STOP_SECONDS = 60


def fleet_env(fleet, *, database_url: str, broker_url: str, redis_url: str, var_dir: Path, evotor_url: str,
              vk_url: str, slice_s: float | None) -> dict:  # fmt: skip
    """`make bench`'s worker environment (VK's rules scaled) plus the fleet's: Redis as broker, cache, locks and
    rate limiter; production's waits and intervals divided by the time factor; the hour's interval."""
    factor = fleet.time_factor
    env = worker_env(scenario=fleet.bench_scenario(), database_url=database_url, var_dir=var_dir,
                     evotor_url=evotor_url, vk_url=vk_url)  # fmt: skip
    env.pop("CELERY_BROKER_FOLDER", None)

    def scaled(name: str, real: float) -> str:
        return str(max(1, round(real / factor)))

    env.update(
        CELERY_BROKER_URL=broker_url,
        REDIS_URL=redis_url,
        BENCH_FLEET_DIR=str(var_dir / "probe"),
        CELERY_WORKER_POOL=fleet.pool,
        CELERY_WORKER_CONCURRENCY=str(fleet.concurrency),
        CATALOG_REFRESH_INTERVAL_SECONDS=str(max(1, round(fleet.hour))),
        SYNC_DEBOUNCE_SECONDS=scaled("SYNC_DEBOUNCE_SECONDS", settings.SYNC_DEBOUNCE_SECONDS),
        SYNC_RETRY_BACKOFF_SECONDS=scaled("SYNC_RETRY_BACKOFF_SECONDS", settings.SYNC_RETRY_BACKOFF_SECONDS),
        ORDERS_POLL_INTERVAL_SECONDS=scaled("ORDERS_POLL_INTERVAL_SECONDS", settings.ORDERS_POLL_INTERVAL_SECONDS),
        EVOTOR_PUSH_REFRESH_DELAY_SECONDS=scaled(
            "EVOTOR_PUSH_REFRESH_DELAY_SECONDS", settings.EVOTOR_PUSH_REFRESH_DELAY_SECONDS
        ),  # fmt: skip
        EVOTOR_RETRY_BACKOFF_SECONDS=f"{settings.EVOTOR_RETRY_BACKOFF_SECONDS / factor:.4f}",
    )
    if slice_s:
        env["SYNC_SLICE_SECONDS"] = str(max(1, round(slice_s)))
    return env


class Fleet:
    """The nodes and the beat, started and stopped by pid."""

    def __init__(self, env: dict, var_dir: Path, *, nodes: int, pool: str, concurrency: int, sampler, queues: str = ""):
        self.env, self.var_dir, self.sampler, self.queues = env, var_dir, sampler, queues
        self.pool, self.concurrency, self.count = pool, concurrency, nodes
        self.nodes: dict[str, subprocess.Popen] = {}
        self.log_level = env.get("LOG_LEVEL", "WARNING")  # BENCH_LOG_LEVEL=INFO: the engine's own logs too
        self.beat: subprocess.Popen | None = None
        self.app = Celery("bench-fleet", broker=env["CELERY_BROKER_URL"])

    def start_nodes(self) -> None:
        host = socket.gethostname()
        for number in range(1, self.count + 1):
            name = f"fleet-node{number}@{host}"
            command = [sys.executable, "-m", "celery", "-A", "tools.bench.fleet_app", "worker", "-n", name,
                       f"--pool={self.pool}", f"--concurrency={self.concurrency}", f"--loglevel={self.log_level}",
                       "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
            if self.queues:
                command += ["-Q", self.queues]
            process = self._spawn(command, f"node{number}.log")
            self.nodes[name] = process
            self.sampler.roots[process.pid] = name
        deadline = time.monotonic() + READY_SECONDS
        for name, process in self.nodes.items():
            while not self._answers(name):
                if process.poll() is not None:
                    raise RuntimeError(f"worker node {name} exited ({process.returncode}); see {self.var_dir}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"worker node {name} did not start in {READY_SECONDS} s")
                time.sleep(0.5)

    def _answers(self, name: str) -> bool:
        try:
            return bool(self.app.control.ping(destination=[name], timeout=1.0))
        except Exception:  # noqa: BLE001 - the node is still starting
            return False

    def start_beat(self) -> None:
        command = [sys.executable, "-m", "celery", "-A", "tools.bench.fleet_app", "beat", "--loglevel=WARNING",
                   "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
                   f"--pidfile={self.var_dir / 'beat.pid'}"]  # fmt: skip
        self.beat = self._spawn(command, "beat.log")

    def stop_beat(self) -> None:
        if self.beat is not None:
            _stop(self.beat)
            self.beat = None

    def stop(self) -> None:
        self.stop_beat()
        for process in self.nodes.values():
            _stop(process)
        self.nodes.clear()

    def _spawn(self, command: list[str], log_name: str) -> subprocess.Popen:
        with open(self.var_dir / log_name, "ab") as log:
            return subprocess.Popen(  # noqa: S603 - our own worker
                command, env=self.env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip


def _stop(process: subprocess.Popen) -> None:
    """A warm shutdown (running tasks end), then the process group is killed if it lingers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def queued_messages(broker_url: str) -> int:
    """Messages waiting in the broker or taken and not yet acknowledged (a task running, or held for its countdown)."""
    client = redis.Redis.from_url(broker_url)
    waiting = 0
    for key in client.scan_iter(count=500):
        kind = client.type(key)
        if kind == b"list":
            waiting += client.llen(key)
        elif key == b"unacked" and kind == b"hash":
            waiting += client.hlen(key)
    return waiting


def empty_redis(*urls: str) -> None:
    """The bench's own Redis databases start empty: no lock, debounce key or message of an earlier run."""
    for url in dict.fromkeys(urls):
        redis.Redis.from_url(url).flushdb()
