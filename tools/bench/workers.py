"""Run jobs in worker processes (`python -m tools.bench.worker`), one at a time or side by side."""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings

JOB_TIMEOUT_SECONDS = 3600


class JobFailed(RuntimeError):
    pass


class Workers:
    def __init__(self, env: dict, directory: Path, profile: set[str] = frozenset()):
        self.env = env
        self.directory = directory
        self.profile = profile  # phases to run under cProfile
        self.phase = ""
        self.directory.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, **args) -> tuple[subprocess.Popen, Path]:
        job = tempfile.NamedTemporaryFile("w", suffix=".json", dir=self.directory, delete=False, encoding="utf-8")
        with job:
            spec = {"name": name, "args": args}
            if self.phase in self.profile and name != "naive":
                merchant = args.get("merchant_id", "")
                spec["profile"] = str(self.directory.parent / f"profile-{self.phase}-{merchant}.txt")
            json.dump(spec, job)
        result = Path(job.name).with_suffix(".result.json")
        command = [sys.executable, "-m", "tools.bench.worker", job.name, str(result)]
        process = subprocess.Popen(command, env=self.env, cwd=settings.BASE_DIR)  # noqa: S603 - our own module
        process.job_name = name
        return process, result

    def finish(self, started: tuple[subprocess.Popen, Path]) -> dict:
        process, result_path = started
        try:
            process.wait(timeout=JOB_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise JobFailed(f"job {process.job_name} ran over {JOB_TIMEOUT_SECONDS} s and was stopped")
        if not result_path.exists():
            raise JobFailed(f"job {process.job_name} ended (exit {process.returncode}) without a result")
        result = json.loads(result_path.read_text(encoding="utf-8"))
        if "error" in result:
            raise JobFailed(f"job {process.job_name} failed:\n{result['error']}")
        return result

    def run(self, name: str, **args) -> dict:
        return self.finish(self.start(name, **args))

    def run_side_by_side(self, jobs: list[tuple[str, dict]]) -> list[dict]:
        started = [self.start(name, **args) for name, args in jobs]
        results, failure = [], None
        for item in started:
            try:
                results.append(self.finish(item))
            except JobFailed as exc:
                failure = failure or exc
        if failure:
            raise failure
        return results
