"""What `make bench-fleet` records inside its Celery worker processes, and how the orchestrator reads it back.

Installed by the bench's worker bootstrap (`tools.bench.fleet_app`, the `-A` of the bench's nodes), in every process
that runs tasks (a prefork child or a threads pool's one process):

- every SQL statement is counted by a connection `execute_wrapper` added to each new database connection;
- every task is one JSON line in `tasks-<pid>.jsonl` under BENCH_FLEET_DIR, written at `task_postrun`: its name,
  merchant, start and end (epoch seconds, from `task_prerun`/`task_postrun`), the CPU time of the thread that ran
  it, the statements it sent, its state and a short return value;
- every garbage collection of at least GC_PAUSE_S is one JSON line in `gc-<pid>.jsonl`: its generation, start and
  end. A collection holds the GIL, so it stops every thread of the process: the slices of a threads pool's node
  all wait for it at once.

Nothing here changes what a task does; production workers never load it.
"""

import gc
import json
import os
import threading
import time
from pathlib import Path

DIR_ENV = "BENCH_FLEET_DIR"

_local = threading.local()
_lock = threading.Lock()
_started: dict[str, dict] = {}
GC_PAUSE_S = 0.05  # collections shorter than this are not written down


def _count(execute, sql, params, many, context):
    _local.queries = getattr(_local, "queries", 0) + 1
    return execute(sql, params, many, context)


def _on_connection(sender, connection, **kwargs) -> None:
    if _count not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count)


def _merchant_of(args, kwargs) -> int | None:
    if kwargs and "merchant_id" in kwargs:
        return kwargs["merchant_id"]
    if args and isinstance(args[0], int):
        return args[0]
    return None


def _prerun(task_id=None, task=None, args=None, kwargs=None, **_) -> None:
    with _lock:
        _started[task_id] = {
            "start": time.time(),
            "cpu": time.thread_time(),
            "queries": getattr(_local, "queries", 0),
            "merchant": _merchant_of(args, kwargs),
        }


def _postrun(task_id=None, task=None, retval=None, state=None, **_) -> None:
    with _lock:
        began = _started.pop(task_id, None)
    if began is None:
        return
    record = {
        "task": getattr(task, "name", str(task)),
        "merchant": began["merchant"],
        "start": began["start"],
        "end": time.time(),
        "cpu_s": time.thread_time() - began["cpu"],
        "queries": getattr(_local, "queries", 0) - began["queries"],
        "state": state,
        "retval": repr(retval)[:60],
        "pid": os.getpid(),
    }
    path = Path(os.environ[DIR_ENV]) / f"tasks-{os.getpid()}.jsonl"
    with _lock, open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


def _on_gc(phase: str, info: dict) -> None:
    """Python's gc callback, in the thread that collects (every other thread waits for the GIL meanwhile)."""
    if phase == "start":
        _local.gc_start = time.time()
        return
    began = getattr(_local, "gc_start", None)
    ended = time.time()
    if began is None or ended - began < GC_PAUSE_S:
        return
    record = {"generation": info.get("generation"), "start": began, "end": ended, "pid": os.getpid()}
    path = Path(os.environ[DIR_ENV]) / f"gc-{os.getpid()}.jsonl"
    with open(path, "a", encoding="utf-8") as handle:  # no lock: a collection runs in one thread at a time
        handle.write(json.dumps(record) + "\n")


def install() -> None:
    """Connect the counters (idempotent: signals keep one receiver per function)."""
    from celery.signals import task_postrun, task_prerun
    from django.db.backends.signals import connection_created

    if not os.environ.get(DIR_ENV):
        return
    Path(os.environ[DIR_ENV]).mkdir(parents=True, exist_ok=True)
    connection_created.connect(_on_connection, dispatch_uid="bench-fleet-queries")
    task_prerun.connect(_prerun, dispatch_uid="bench-fleet-prerun")
    task_postrun.connect(_postrun, dispatch_uid="bench-fleet-postrun")
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)


# ----- the orchestrator's side -----------------------------------------------------------------


def read_gc(directory: Path) -> list[dict]:
    """Every collection of at least GC_PAUSE_S recorded so far by every worker process, in start order."""
    return _read_records(directory, "gc-*.jsonl")


def read_tasks(directory: Path) -> list[dict]:
    """Every task recorded so far by every worker process, in start order."""
    return _read_records(directory, "tasks-*.jsonl")


def _read_records(directory: Path, pattern: str) -> list[dict]:
    records = []
    for path in sorted(directory.glob(pattern)):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.endswith("}"):  # a line being written is read at the next call
                records.append(json.loads(line))
    return sorted(records, key=lambda r: r["start"])


class ProcessSampler:
    """CPU time and memory of the worker nodes' processes (a node and the pool children it forks), read from /proc
    every `interval` seconds in a thread: what each process used, including those that ended between reads."""

    def __init__(self, interval: float = 1.0):
        self.interval = interval
        self.roots: dict[int, str] = {}  # pid -> node name
        self.seen: dict[int, dict] = {}  # pid -> {"node", "cpu_s", "hwm_mb"}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._tick = os.sysconf("SC_CLK_TCK")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.sample()
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def cpu_s(self) -> float:
        with _lock:
            return sum(p["cpu_s"] for p in self.seen.values())

    def peak_rss_mb(self) -> dict[int, float]:
        with _lock:
            return {pid: p["hwm_mb"] for pid, p in self.seen.items()}

    def sample(self) -> None:
        parents = _parents()
        for pid in list(parents):
            node = self._node_of(pid, parents)
            if node is None:
                continue
            figures = _read(pid, self._tick)
            if figures is not None:
                with _lock:
                    entry = self.seen.setdefault(pid, {"node": node, "cpu_s": 0.0, "hwm_mb": 0.0})
                    entry["cpu_s"] = max(entry["cpu_s"], figures[0])
                    entry["hwm_mb"] = max(entry["hwm_mb"], figures[1])

    def _node_of(self, pid: int, parents: dict[int, int]) -> str | None:
        for _ in range(4):  # a node, its pool's children (prefork), no deeper
            if pid in self.roots:
                return self.roots[pid]
            pid = parents.get(pid, 0)
        return None


def _parents() -> dict[int, int]:
    out = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            out[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return out


def _read(pid: int, tick: int) -> tuple[float, float] | None:
    """(CPU seconds, user + system; peak resident MB, VmHWM) of a live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    cpu = (int(fields[11]) + int(fields[12])) / tick
    hwm = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
    return cpu, hwm / 1024
