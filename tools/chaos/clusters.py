"""Where the harness's triggers are carried out: in this process (`EagerCluster`, the test suite's eager Celery)
or by real Celery workers on the harness's own Redis and MariaDB (`WorkerCluster`, `make chaos`).

Both count the sync tasks each merchant got (`tasks_for`), so a storm of tasks shows as a number.
"""

import logging
import re
import threading
import time
from collections import Counter
from pathlib import Path

from celery.exceptions import Retry
from celery.signals import task_prerun

from tools.chaos.processes import ChaosDatabase, PidFile, RedisServer, Worker

log = logging.getLogger(__name__)

SYNC_TASK = "vksync.sync_merchant"
_MERCHANT_ID = re.compile(r"'merchant_id': (\d+)")


class EagerCluster:
    """Tasks run at once, in this process, when they are queued: a trigger returns when its work is done.

    A task asking to be retried later (celery's `Retry`, raised by eager tasks) is counted as queued and left
    there: the harness triggers again when nothing runs, as the hourly schedule would."""

    provides: frozenset = frozenset()
    quiet_seconds = 0.0
    poll_seconds = 0.0

    def __init__(self):
        self.tasks: Counter = Counter()
        self.errors: list[str] = []
        task_prerun.connect(self._counted, weak=False, dispatch_uid="chaos-eager-count")

    def _counted(self, sender=None, task=None, kwargs=None, **_) -> None:
        if getattr(task, "name", "") == SYNC_TASK and kwargs and "merchant_id" in kwargs:
            self.tasks[int(kwargs["merchant_id"])] += 1

    def call(self, action) -> None:
        try:
            action()
        except Retry as retry:
            sig = retry.sig
            if sig is not None and sig.task == SYNC_TASK and "merchant_id" in (sig.kwargs or {}):
                self.tasks[int(sig.kwargs["merchant_id"])] += 1
        except Exception as error:  # noqa: BLE001 - a task's failure is reported; the harness carries on
            self.errors.append(f"{type(error).__name__}: {error}")

    def tasks_for(self, merchant_id: int) -> int:
        return self.tasks[merchant_id]

    def check(self) -> tuple[list[str], list[str]]:
        """(failures, notes) seen since the last check: here only notes, a task that raised."""
        errors, self.errors = self.errors, []
        return [], [f"a task raised {error}" for error in errors]

    def close(self) -> None:
        task_prerun.disconnect(dispatch_uid="chaos-eager-count")


class TaskEvents:
    """Counts the sync tasks the workers receive per merchant, from Celery's task events (`worker -E`).

    Listens in a thread and listens again after the broker restarts; a received retry counts again."""

    def __init__(self, app):
        self.app = app
        self.received: Counter = Counter()
        self.hosts: dict[int, set] = {}
        self.failures: list[str] = []
        self._receiver = None
        self._stopping = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="chaos-task-events", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._listening.wait(timeout=10)

    def _listen(self) -> None:
        handlers = {"task-received": self._on_received, "task-failed": self._on_failed}
        while not self._stopping.is_set():
            try:
                with self.app.connection_for_read() as connection:
                    self._receiver = self.app.events.Receiver(connection, handlers=handlers)
                    self._listening.set()
                    self._receiver.capture(limit=None, timeout=None, wakeup=False)
            except Exception as error:  # noqa: BLE001 - the broker restarting: listen again
                log.info("task events interrupted", extra={"error": str(error)})
                time.sleep(0.3)

    def _on_received(self, event: dict) -> None:
        if event.get("name") != SYNC_TASK:
            return
        found = _MERCHANT_ID.search(str(event.get("kwargs", "")))
        if found:
            merchant_id = int(found.group(1))
            self.received[merchant_id] += 1
            self.hosts.setdefault(merchant_id, set()).add(event.get("hostname", ""))

    def _on_failed(self, event: dict) -> None:
        self.failures.append(f"{event.get('hostname', '')}: {str(event.get('exception', ''))[:200]}")

    def stop(self) -> None:
        self._stopping.set()
        if self._receiver is not None:
            self._receiver.should_stop = True
        self._thread.join(timeout=5)


class WorkerCluster:
    """Real Celery workers (`celery -A evosync worker`, concurrency 2) on the harness's own Redis and database.

    The harness process and the workers share one environment (the chaos database, Redis, the emulators'
    URLs); the harness triggers through the apps' own code, which publishes to Redis; the workers do the rest."""

    provides = frozenset({"worker", "redis", "mariadb"})
    quiet_seconds = 2.0
    poll_seconds = 0.05

    def __init__(self, *, env: dict, redis: RedisServer, database: ChaosDatabase, var_dir: Path, pids: PidFile):
        from django.conf import settings

        from evosync.celery import app

        self.app, self.env, self.redis, self.database = app, env, redis, database
        self.var_dir, self.pids, self.base_dir = Path(var_dir), pids, Path(settings.BASE_DIR)
        self.workers: list[Worker] = []
        self.events = TaskEvents(app)
        self.errors: list[str] = []
        self._failures_seen = 0

    def start(self) -> None:
        self.events.start()
        self.add_worker()

    def add_worker(self) -> Worker:
        number = len(self.workers) + 1
        env = {**self.env, "LOG_LEVEL": "INFO"}
        worker = Worker(f"chaos{number}", env, self.var_dir / f"worker-{number}.log", cwd=self.base_dir, pids=self.pids)
        worker.start()
        worker.wait_ready(self.app)
        self.workers.append(worker)
        return worker

    def remove_worker(self) -> None:
        """Stop the worker added last (warm shutdown: its tasks finish first)."""
        self.workers.pop().stop()

    def kill_worker(self) -> None:
        """SIGKILL the first worker with its pool, then start it again (as a supervisor would)."""
        worker = self.workers[0]
        worker.kill()
        worker.start()
        worker.wait_ready(self.app)

    def restart_redis(self) -> None:
        self.redis.restart()

    def cut_database(self) -> int:
        """KILL CONNECTION on every connection to the chaos database but the harness's own; how many were cut."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT CONNECTION_ID()")
            own = {cursor.fetchone()[0]}
        return len(self.database.kill_connections(keep=own))

    def call(self, action) -> None:
        try:
            action()
        except Exception as error:  # noqa: BLE001 - e.g. the broker restarting: reported, the harness carries on
            self.errors.append(f"{type(error).__name__}: {error}")

    def tasks_for(self, merchant_id: int) -> int:
        return self.events.received[merchant_id]

    def hosts_for(self, merchant_id: int) -> set:
        return self.events.hosts.get(merchant_id, set())

    def check(self) -> tuple[list[str], list[str]]:
        """(failures, notes) seen since the last check. A worker that exited by itself is a failure (it is
        started again, so the harness can go on); a trigger that raised or a task that failed is a note."""
        failures = []
        for worker in self.workers:
            if not worker.alive():
                failures.append(f"worker {worker.name} exited by itself (code {worker.process.returncode})")
                worker.start()
                worker.wait_ready(self.app)
        notes = [f"a trigger raised {error}" for error in self.errors]
        self.errors = []
        failed = self.events.failures[self._failures_seen :]
        self._failures_seen += len(failed)
        return failures, notes + [f"task failed on {failure}" for failure in failed]

    def close(self) -> None:
        for worker in reversed(self.workers):
            worker.stop()
        self.workers = []
        self.events.stop()
