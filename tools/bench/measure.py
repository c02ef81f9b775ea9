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
    """The process's peak resident set since it started (Linux reports ru_maxrss in KiB)."""
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
