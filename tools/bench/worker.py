"""A worker process: `python -m tools.bench.worker JOB.json RESULT.json`.

Sets Django up (settings from the environment the orchestrator prepared), warms up as a Celery worker is
(`warm_up`), runs one job from `jobs` inside `measure.measured` and writes {"out": ..., figures...} as JSON.
Running each phase in a fresh process keeps its CPU time, peak memory and queries its own, and away from the
emulators' threads.
"""

import json
import sys
import traceback


def main(job_path: str, result_path: str) -> int:
    import django

    django.setup()
    from tools.bench import jobs
    from tools.bench.measure import measured

    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    result: dict = {}
    work = jobs.JOBS[job["name"]]
    warm_up()
    try:
        with measured(result):
            if job.get("profile"):
                result["out"] = profiled(job["profile"], work, **job.get("args", {}))
            else:
                result["out"] = work(**job.get("args", {}))
    except Exception:  # noqa: BLE001 - reported to the orchestrator, which shows it and stops
        result["error"] = traceback.format_exc()
    with open(result_path, "w", encoding="utf-8") as handle:
        json.dump(result, handle, default=str)
    return 1 if "error" in result else 0


def warm_up() -> None:
    """As a Celery worker is when a task comes: every task module imported (Celery's loader does it at boot), the
    database and cache connections open. A phase's wall time is its work's, not a fresh process's first import."""
    from django.core.cache import cache
    from django.db import connection

    from evosync.celery import app

    app.loader.import_default_modules()
    connection.ensure_connection()
    cache.get("bench-warm-up")


def profiled(path: str, work, **args):
    """Run `work` under cProfile; write the top functions (cumulative and own time) to `path`."""
    import cProfile
    import io
    import pstats

    profile = cProfile.Profile()
    try:
        return profile.runcall(work, **args)
    finally:
        text = io.StringIO()
        stats = pstats.Stats(profile, stream=text).strip_dirs()
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text.getvalue())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
