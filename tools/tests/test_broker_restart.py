"""Redis restarted under a real Celery worker: no queued sync or mail is lost and the worker lives on.

The test starts everything it needs and ends only what it started, by pid: its own redis-server on a free
loopback port (append-only file on, as the compose file runs Redis), a SQLite file the worker shares, the
Evotor and VK emulators in threads, and `celery -A evosync worker`. A sync is running when Redis is killed;
the run fails on the VK rate limiter (Redis is gone), its retry and a mail are published while Redis is
down, and Redis comes back on the same port. Everything must arrive, and the worker must still be there.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis as redis_client
import yaml

from emulators.evotor import EvotorEmulator
from emulators.evotor import demo as evotor_demo
from emulators.server import serve_in_thread
from emulators.vk import VkEmulator
from emulators.vk import demo as vk_demo
from tools.chaos.processes import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
DEADLINE_SECONDS = 240  # the whole test; every wait below is bounded by it

needs_redis_server = pytest.mark.skipif(bool(RedisServer.available()), reason=RedisServer.available() or "-")

SEED = """
import django
django.setup()
from django.contrib.auth import get_user_model
from catalog.models import Store
from catalog.services import refresh_catalog
from tools.demo import DEMO_ACCOUNTS, connect_evotor, connect_vk, ensure_demo_accounts
from vksync.models import SyncSettings
ensure_demo_accounts()
merchant = get_user_model().objects.get(email=DEMO_ACCOUNTS[1][1])
connect_evotor(merchant)
connect_vk(merchant)
Store.objects.filter(merchant=merchant).update(sync_enabled=True)
refresh_catalog(merchant=merchant)
SyncSettings.objects.update_or_create(merchant=merchant, defaults={"enabled": True})
print("MERCHANT", merchant.pk)
"""

QUEUE = """
import sys, django
django.setup()
from notifications.services import notify
from vksync.tasks import sync_merchant
what, merchant_id, marker = sys.argv[1], int(sys.argv[2]), sys.argv[3]
print("PUBLISHING", what, flush=True)
if what == "sync":
    sync_merchant.delay(merchant_id, confirmed=True, trigger="manual")
else:
    notify(merchant_id=merchant_id, key=marker, subject=marker, text="broker restart test")
print("QUEUED", what)
"""


class Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def wait_for(self, condition, what: str, limit: float = 60, step: float = 0.2):
        end = time.monotonic() + min(limit, self.left())
        while time.monotonic() < end:
            value = condition()
            if value:
                return value
            time.sleep(step)
        raise AssertionError(f"timed out waiting for {what}")


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM the process we started, then SIGKILL it and any child it left (found by parent pid)."""
    if process.poll() is not None:
        return
    children = child_pids(process.pid)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
    for pid in children:
        with _ignored(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def child_pids(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with _ignored(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == parent:
                    pids.append(int(entry.name))
    return pids


@contextmanager
def _ignored(*errors):
    try:
        yield
    except errors:
        pass


@pytest.fixture
def world(tmp_path):
    """Redis, emulators, a migrated SQLite file with the demo merchant, and the environment for our processes."""
    deadline = Deadline(DEADLINE_SECONDS)
    folder = tmp_path
    with ExitStack() as stack:
        redis = RedisServer(free_port(), folder / "redis", appendfsync="always")
        stack.callback(redis.kill)
        redis.start()

        evotor = EvotorEmulator()
        evotor_demo.seed_demo(evotor, stores=1, groups=3, products=60, image_share=0)
        evotor.base_url = stack.enter_context(serve_in_thread(evotor.wsgi_app))
        vk = VkEmulator(rate_limit_per_second=None)
        vk_demo.seed_demo(vk)
        vk.base_url = stack.enter_context(serve_in_thread(vk.wsgi_app))

        redis_url = f"redis://127.0.0.1:{redis.port}"
        env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
        env.update(
            DJANGO_SETTINGS_MODULE="evosync.settings",
            DEBUG="true",
            SECURE_SSL_REDIRECT="false",
            DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
            REDIS_URL=f"{redis_url}/0",
            CELERY_BROKER_URL=f"{redis_url}/1",
            VAR_DIR=str(folder / "var"),
            MEDIA_ROOT=str(folder / "media"),
            FIELD_ENCRYPTION_KEY="T2vPpmHk2m9wqfQmXcV7b1cS2yGv0tYqj3r6cE8s0zI=",
            EVOTOR_API_URL=evotor.base_url,
            VK_API_URL=vk.base_url,
            VK_RATE_LIMIT_PER_SECOND="1000",
            VK_RETRY_BACKOFF_SECONDS="0.01",
            EMAIL_PROVIDER="console",
            SYNC_RETRY_BACKOFF_SECONDS="2",
            # The run's lock in Redis outlives a restart (append-only file) when Redis died before its release: the
            # retry is refused until the lock lapses, SYNC_STALE_SECONDS after the run's last heartbeat.
            SYNC_STALE_SECONDS="6",
            PYTHONUNBUFFERED="1",
        )
        run = subprocess.run
        migrated = run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=deadline.left(),
        )
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        seeded = run(
            [sys.executable, "-c", SEED],
            cwd=ROOT,
            env={**env, "CELERY_TASK_ALWAYS_EAGER": "true"},
            capture_output=True,
            text=True,
            timeout=deadline.left(),
        )
        assert seeded.returncode == 0, seeded.stderr[-3000:]
        merchant_id = int(seeded.stdout.split("MERCHANT")[1].split()[0])
        yield SimpleNamespace(
            deadline=deadline, redis=redis, vk=vk, env=env, folder=folder, merchant_id=merchant_id, stack=stack
        )


def start_worker(world) -> tuple[subprocess.Popen, Path]:
    log = world.folder / "worker.log"
    handle = open(log, "w")  # noqa: SIM115 - closed by the stack
    world.stack.callback(handle.close)
    world.stack.callback(lambda: print("worker log, last lines:\n" + log.read_text()[-6000:]))  # shown on failure
    command = [sys.executable, "-m", "celery", "-A", "evosync", "worker", "--concurrency", "2", "--loglevel", "INFO"]
    command += ["--without-mingle", "--without-gossip", "--hostname", f"broker-test-{uuid.uuid4().hex[:8]}@%h"]
    worker = subprocess.Popen(command, cwd=ROOT, env=world.env, stdout=handle, stderr=subprocess.STDOUT)
    world.stack.callback(stop_process, worker)
    return worker, log


def publish(world, what: str, marker: str = "-") -> tuple[subprocess.Popen, Path]:
    """Queue a task from a process of its own, as the web process does (it may have to wait for Redis)."""
    out = world.folder / f"publish-{uuid.uuid4().hex[:8]}.log"
    handle = open(out, "w")  # noqa: SIM115 - closed by the stack
    world.stack.callback(handle.close)
    command = [sys.executable, "-c", QUEUE, what, str(world.merchant_id), marker]
    process = subprocess.Popen(command, cwd=ROOT, env=world.env, stdout=handle, stderr=subprocess.STDOUT)
    world.stack.callback(stop_process, process)
    return process, out


def published(world, process: subprocess.Popen, out: Path) -> None:
    process.wait(world.deadline.left())
    assert process.returncode == 0, out.read_text()[-3000:]


def runs(world) -> list[tuple[str, str, str]]:
    with sqlite3.connect(world.folder / "db.sqlite3", timeout=20) as db:
        return db.execute("SELECT status, trigger, error FROM vksync_syncrun ORDER BY id").fetchall()


@needs_redis_server
def test_redis_restart_loses_no_queued_sync_or_mail_and_the_worker_lives_on(world):
    deadline, vk, redis = world.deadline, world.vk, world.redis

    # A mail waiting in Redis, no worker yet: Redis crashes and comes back. The append-only file kept it.
    early = f"mail-before-the-crash-{uuid.uuid4().hex[:8]}"
    published(world, *publish(world, "mail", early))
    redis.kill()
    redis.start()
    worker, log = start_worker(world)
    deadline.wait_for(lambda: early in log.read_text(), "the mail queued before the crash to be sent")

    # A sync is running when Redis dies: the run fails on the VK rate limiter (Redis), its retry is published
    # while Redis is down, and so is a mail from another process; Redis comes back on the same port.
    vk.latency = 0.3  # slow enough for Redis to die mid-run
    published(world, *publish(world, "sync"))
    deadline.wait_for(lambda: [status for status, *_ in runs(world)] == ["running"], "the sync to start")
    deadline.wait_for(lambda: len(vk.methods_called()) >= 3, "the sync to call VK")
    redis.kill()
    during = f"mail-while-redis-is-down-{uuid.uuid4().hex[:8]}"
    mail, mail_out = publish(world, "mail", during)
    deadline.wait_for(lambda: runs(world)[0][0] == "failed", "the run to fail without Redis", limit=30)
    deadline.wait_for(lambda: "PUBLISHING" in mail_out.read_text() or mail.poll() is not None, "the publisher")
    vk.latency = 0.0
    # Both publishers wait for Redis now. Longer than kombu's own 5 s of reconnecting, after which, before the
    # fix, the mail's publisher failed and the run's retry was rejected (the worker had exited before that).
    time.sleep(8)
    redis.start()

    published(world, mail, mail_out)
    deadline.wait_for(lambda: during in log.read_text(), "the mail queued while Redis was down to be sent")
    deadline.wait_for(
        lambda: ("done", "retry") in [(status, trigger) for status, trigger, _ in runs(world)],
        "the failed run's retry to sync the shop",
        limit=120,
    )
    assert worker.poll() is None, "the worker exited:\n" + log.read_text()[-5000:]
    assert "Unrecoverable error" not in log.read_text()
    first_status, _, first_error = runs(world)[0]
    assert first_status == "failed" and "Redis" in first_error
    # Tasks that ended after the reconnection were acknowledged through the new connection: nothing is left for
    # Redis to hand out again when the visibility timeout comes.
    broker = redis_client.Redis(port=redis.port, db=1)
    deadline.wait_for(lambda: broker.hlen("unacked") == 0, "every task taken to be acknowledged", limit=20)
    skus = [item.sku for item in vk.shop(vk_demo.DEMO_GROUP_ID).items.values() if not item.removed]
    assert skus and len(skus) == len(set(skus))  # the shop is filled, each product once


def test_compose_runs_redis_with_its_append_only_file():
    """What the test above relies on for the messages waiting in Redis is how production runs it."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert any(volume.endswith(":/data") for volume in compose["services"]["redis"]["volumes"])
