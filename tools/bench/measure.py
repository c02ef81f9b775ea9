"""What a worker process measures around one job: wall time, CPU time, peak memory, database queries."""

import resource
import time
from contextlib import contextmanager

from django.db import connections


class QueryCounter:
    """A connection execute_wrapper: counts every SQL statement (executemany counts once)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    """The process's own peak resident set: VmHWM of /proc/self/status (Linux), else ru_maxrss (KiB).

    Not ru_maxrss on Linux: a process started by fork/vfork + exec inherits its parent's peak in it (the kernel
    keeps the pre-exec memory's high-water mark), so a fresh worker would report the orchestrator's memory —
    the emulators holding every merchant's catalog and shop — whenever that is the larger. VmHWM belongs to the
    process's own memory since its exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def measured(figures: dict):
    """Fill `figures` with started/finished (epoch), wall_s, cpu_s, db_queries and peak_rss_mb of the block."""
    counter = QueryCounter()
    cpu = cpu_seconds()
    figures["started"] = time.time()
    start = time.perf_counter()
    try:
        with connections["default"].execute_wrapper(counter):
            yield figures
    finally:
        figures["wall_s"] = time.perf_counter() - start
        figures["finished"] = time.time()
        figures["cpu_s"] = cpu_seconds() - cpu
        figures["db_queries"] = counter.count
        figures["peak_rss_mb"] = peak_rss_mb()
