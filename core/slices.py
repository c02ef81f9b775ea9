"""A worker task's slice of time: its deadline, the longest step of each kind seen in it, where the time went.

A long task (a sync's slice, a catalog refresh, picture checks) keeps a worker slot others wait for, so it works
until a deadline — its start plus its budget (SYNC_SLICE_SECONDS) less a headroom (SYNC_SLICE_HEADROOM of the
budget) and a margin for its closing — and stops at the
next safe point once the next step could not end before it. What the next step of a kind may take is the longest
step of that kind seen so far in this task or among this worker process's last RECENT tasks (`usual`), whichever is
longer, scaled by the step's size (a plan per product, albums per album): measured now, on this machine under its
present load, never an average a slow step outruns. The task's own steps alone were too short a history: on a
loaded node a picture check varies threefold, and the slices that ran to their deadline on picture checks were the
ones that outlasted it (docs/benchmarks.md). A kind this process has not seen yet is not judged (its first step
goes). The margin is measured
too: the closing of a task (from its last step to its end: what it writes at the end, the next slice queued) is
noted by `close()`, and a task's margin is the longest closing noted by this worker process among its last RECENT
sliced tasks (a sync's slice, a refresh, picture checks: their closings are alike, a few writes and a message).
Without a budget (a direct call, a command, the single-shop benchmark) there is no deadline: every step
fits.

`Slice.report()` says where the time went (seconds per stage, the longest step of each kind), for the log.
"""

import contextlib
import threading
import time
from collections import deque

RECENT = 50  # closings kept: the margin follows the machine's load, a spike long ago is forgotten

_closings: deque = deque(maxlen=RECENT)
_closings_lock = threading.Lock()


def margin() -> float:
    """The longest closing noted by this process among its last RECENT sliced tasks (0 before the first)."""
    with _closings_lock:
        return max(_closings, default=0.0)


def _note_closing(seconds: float) -> None:
    with _closings_lock:
        _closings.append(seconds)


_steps: dict[str, deque] = {}  # kind → the longest step of it (seconds per unit of size) in each recent task


def usual(kind: str) -> float | None:
    """Seconds per unit of size: the longest step of `kind` among this process's last RECENT sliced tasks that
    had one (None before the first)."""
    with _closings_lock:
        return max(_steps[kind], default=None) if kind in _steps else None


def forget() -> None:
    """This process's closings and steps forgotten (a test's timings are no other test's history)."""
    with _closings_lock:
        _closings.clear()
        _steps.clear()


def _note_steps(longest: dict[str, float]) -> None:
    with _closings_lock:
        for kind, seconds in longest.items():
            _steps.setdefault(kind, deque(maxlen=RECENT)).append(seconds)


class Slice:
    def __init__(
        self,
        budget_seconds: float | None = None,
        *,
        task: str = "",
        started: float | None = None,
        headroom: float = 0.0,
    ):
        self.started = time.monotonic() if started is None else started
        self.task, self.budget = task, budget_seconds or None
        self.margin = margin() if self.budget and task else 0.0
        # `headroom`: a share of the budget no step is planned into — room for a step longer than every one of its
        # kind before it, a closing longer than the margin, and the worker's own time around the task.
        self.headroom = self.budget * headroom if self.budget else 0.0
        self.deadline = self.started + self.budget - self.headroom - self.margin if self.budget else None
        self.longest: dict[str, float] = {}  # kind → the longest step of it seen in this task, per unit of size
        self.spent: dict[str, float] = {}  # stage → seconds
        self.stopped: float | None = None  # when the steps stopped (the safe point); the closing follows
        self.resume_in = 0.0  # the next slice waits this long (a rate limiter's turn that came after the deadline)

    def fits(self, kind: str, steps: int = 1, *, size: float = 1.0) -> bool:
        """`steps` more steps of `kind` of `size` units each end before the deadline, each as long per unit as the
        longest seen in this task — or, before the first, in this process's recent tasks (a worker task's only)."""
        return self.holds(steps * size * self.expected(kind))

    def expected(self, kind: str) -> float:
        """Seconds per unit of size a step of `kind` is expected to take: the longest of it in this task, or among
        this process's recent tasks (a worker task's only) when that is longer (0: not judged)."""
        recent = (usual(kind) or 0.0) if self.budget and self.task else 0.0
        return max(self.longest.get(kind, 0.0), recent)

    def holds(self, seconds: float) -> bool:
        """`seconds` more of work end before the deadline (always, without one)."""
        return self.deadline is None or time.monotonic() + seconds < self.deadline

    def left(self) -> float | None:
        """Seconds until the deadline (0 once past it; None without one)."""
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def took(self, kind: str, seconds: float, *, size: float = 1.0) -> None:
        """A step of `kind` and `size` units took `seconds` (timed by the caller, e.g. in a helper thread)."""
        per_unit = seconds / size if size > 0 else seconds
        if per_unit > self.longest.get(kind, 0.0):
            self.longest[kind] = per_unit

    def spend(self, stage: str, seconds: float) -> None:
        self.spent[stage] = self.spent.get(stage, 0.0) + seconds

    @contextlib.contextmanager
    def stage(self, name: str, *, step: bool = False, size: float = 1.0):
        """Time a stage (added to `spent`); with `step`, it is also a step of kind `name` and `size` (`longest`)."""
        started = time.monotonic()
        try:
            yield
        finally:
            seconds = time.monotonic() - started
            self.spend(name, seconds)
            if step:
                self.took(name, seconds, size=size)

    def lift(self) -> None:
        """No deadline any more: the rest of the task goes to the end (its timings still kept)."""
        self.deadline = None

    def stop(self) -> None:
        """The steps are over (a safe point): what follows until `close()` is the task's closing."""
        self.stopped = time.monotonic()

    def close(self) -> None:
        """The task ends: its closing (since `stop()`) is noted for the margins of this process's next slices, its
        longest steps for their first steps of each kind (only a worker task's: `task` names it)."""
        if not (self.budget and self.task):
            return
        _note_steps(self.longest)
        if self.stopped is not None:
            _note_closing(time.monotonic() - self.stopped)

    def report(self) -> dict:
        """For the log: the budget, the margin, the seconds used, per stage, and the longest step of each kind."""
        used = time.monotonic() - self.started
        return {
            "task": self.task,
            "budget": self.budget,
            "margin": round(self.margin, 3),
            "headroom": round(self.headroom, 3),
            "used": round(used, 3),
            "stopped": round(self.stopped - self.started, 3) if self.stopped is not None else None,
            "over": round(used - self.budget, 3) if self.budget and used > self.budget else 0.0,
            "stages": {name: round(seconds, 3) for name, seconds in self.spent.items()},
            "longest": {kind: round(seconds, 3) for kind, seconds in self.longest.items()},
        }
