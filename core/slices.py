"""A worker task's slice of time: its deadline, the longest step of each kind seen in it, where the time went.

A long task (a sync's slice, a catalog refresh, picture checks) keeps a worker slot others wait for, so it works
until a deadline — its start plus its budget (SYNC_SLICE_SECONDS) less a margin kept for what follows its last step
(the caller's closing work) — and stops at the next safe point once the next step could not end before it. What the
next step of a kind may take is the longest step of that kind seen so far in this task: measured now, on this
machine under its present load, and never an average a slow step outruns. A kind not seen yet in the task is not
judged (its first step goes). Without a budget (a direct call, a command, the single-shop benchmark) there is no
deadline: every step fits.

`Slice.report()` says where the time went (seconds per stage, the longest step of each kind), for the log.
"""

import contextlib
import time


class Slice:
    def __init__(self, budget_seconds: float | None = None, *, margin: float = 0.0, started: float | None = None):
        self.started = time.monotonic() if started is None else started
        self.budget = budget_seconds or None
        self.deadline = self.started + budget_seconds - margin if budget_seconds else None
        self.longest: dict[str, float] = {}  # kind → the longest step of it seen in this task
        self.spent: dict[str, float] = {}  # stage → seconds

    def fits(self, kind: str, steps: int = 1, *, then: float = 0.0) -> bool:
        """`steps` more steps of `kind` (each as long as the longest seen), and `then` seconds more, end before the
        deadline."""
        if self.deadline is None:
            return True
        return time.monotonic() + steps * self.longest.get(kind, 0.0) + then < self.deadline

    def left(self) -> float | None:
        """Seconds until the deadline (never below 0); None without one."""
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def took(self, kind: str, seconds: float) -> None:
        """A step of `kind` took `seconds` (timed by the caller, e.g. in a helper thread)."""
        if seconds > self.longest.get(kind, 0.0):
            self.longest[kind] = seconds

    def spend(self, stage: str, seconds: float) -> None:
        self.spent[stage] = self.spent.get(stage, 0.0) + seconds

    @contextlib.contextmanager
    def stage(self, name: str, *, step: bool = False):
        """Time a stage (added to `spent`); with `step`, it is also a step of kind `name` (`longest`)."""
        started = time.monotonic()
        try:
            yield
        finally:
            seconds = time.monotonic() - started
            self.spend(name, seconds)
            if step:
                self.took(name, seconds)

    def report(self) -> dict:
        """For the log: the budget, the seconds used, per stage, and the longest step of each kind."""
        used = time.monotonic() - self.started
        return {
            "budget": self.budget,
            "used": round(used, 3),
            "over": round(used - self.budget, 3) if self.budget and used > self.budget else 0.0,
            "stages": {name: round(seconds, 3) for name, seconds in self.spent.items()},
            "longest": {kind: round(seconds, 3) for kind, seconds in self.longest.items()},
        }
