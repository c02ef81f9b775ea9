"""Fault injection for the Evotor emulator: what tests switch on to make the Evotor cloud misbehave.

Hooks queue faults for the next requests (`fail_next` an HTTP status, `malformed_next`, `slow_next`,
`rate_limit_after` for 429s, `limit_per_token`: Evotor's own per-token quota, with its X-RateLimit-* headers
and a 429 over it), fail one store (`fail_store`: 402) or a token (`revoke_token`: 401,
`forbid`: 403), or one page in the middle of a list (`fail_page`); `clear_faults` ends them. The app
takes the next fault as each request arrives.
"""

import math
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class _Fault:
    status: int
    times: int
    path: str | None = None  # a substring of the request path; None: any API request
    reset: int = 0  # X-RateLimit-Reset sent with a 429
    malformed: bool = False
    delay: float = 0.0


@dataclass
class _Quota:
    """Evotor's per-token limit as the emulator keeps it: `requests` in any `seconds`, per token (Evotor's
    reference: limits are per token and URI; one window per token is the stricter reading)."""

    requests: int
    seconds: float
    windows: dict = field(default_factory=dict)  # token -> deque of request times
    refused: int = 0  # 429s answered

    def take(self, token: str) -> tuple[bool, int, int]:
        """(allowed, remaining after this request, seconds until a request leaves the window: the Reset)."""
        now = time.monotonic()
        window = self.windows.setdefault(token, deque())
        while window and window[0] <= now - self.seconds:
            window.popleft()
        allowed = len(window) < self.requests
        if allowed:
            window.append(now)
        else:
            self.refused += 1
        reset = math.ceil(window[0] + self.seconds - now) if len(window) >= self.requests else 0
        return allowed, self.requests - len(window), reset


@dataclass
class _PageFault:
    page: int
    status: int
    path: str
    times: int | None  # None: until clear_faults
    hits: int = 0


class EvotorFaults:
    """The fault hooks of `EvotorEmulator` (a mixin: it shares the emulator's lock, merchants and request count)."""

    def _init_faults(self) -> None:
        self._store_status: dict[str, int] = {}  # store_id -> forced HTTP status (402 ...)
        self._faults: deque[_Fault] = deque()
        self._rate_limit_after: tuple[int, int, int] | None = None  # (after, times, reset)
        self._page_faults: list[_PageFault] = []
        self.quota: _Quota | None = None  # off: no per-token limit (the existing tests' Evotor)

    def fail_store(self, store_id: str, status: int = 402) -> None:
        """Every request under this store answers `status` (402: app not paid/installed there)."""
        self._store_status[store_id] = status

    def clear_store(self, store_id: str) -> None:
        self._store_status.pop(store_id, None)

    def revoke_token(self, token: str) -> None:
        """The token stops working: 401 from now on."""
        with self._lock:
            self._merchants.pop(token, None)

    def forbid(self, token: str, forbidden: bool = True) -> None:
        """403 for this token (scope missing, app not installed)."""
        self._merchant(token).forbidden = forbidden

    def fail_next(self, status: int, times: int = 1, path: str | None = None, reset: int = 0) -> None:
        """The next `times` API requests (whose path contains `path`) answer `status`.

        A picture's download fails only when `path` names it (e.g. `path="/images/<id>"`)."""
        self._faults.append(_Fault(status=status, times=times, path=path, reset=reset))

    def malformed_next(self, times: int = 1, path: str | None = None) -> None:
        """The next `times` answers are 200 with a body that is not JSON."""
        self._faults.append(_Fault(status=200, times=times, path=path, malformed=True))

    def slow_next(self, seconds: float, times: int = 1, path: str | None = None) -> None:
        """The next `times` answers wait `seconds` before answering normally."""
        self._faults.append(_Fault(status=200, times=times, path=path, delay=seconds))

    def rate_limit_after(self, requests: int, times: int = 1, reset: int = 0) -> None:
        """After `requests` more API requests, answer 429 `times` times with X-RateLimit-Reset: `reset`."""
        self._rate_limit_after = (self.request_count + requests, times, reset)

    def limit_per_token(self, requests: int, seconds: float = 1.0) -> None:
        """Evotor's per-token rate limit: at most `requests` API requests of one token in any `seconds`. Each
        answer then says X-RateLimit-Limit, -Remaining and -Reset (seconds until a request leaves the window);
        the request over it is answered 429. `quota.refused` counts those 429s."""
        self.quota = _Quota(requests=requests, seconds=seconds)

    def _take_quota(self, token: str) -> tuple[bool, int, int] | None:
        if self.quota is None:
            return None
        with self._lock:
            return self.quota.take(token)

    def clear_faults(self) -> None:
        self._faults.clear()
        self._store_status.clear()
        self._rate_limit_after = None
        self._page_faults.clear()
        self.quota = None

    def _take_image_fault(self, path: str) -> _Fault | None:
        """A fault queued for this picture's path by name (`fail_next(404, path="/images/…")`); others pass by."""
        with self._lock:
            for fault in self._faults:
                if fault.path and fault.path in path and not fault.delay and not fault.malformed:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            if self._rate_limit_after and self.request_count >= self._rate_limit_after[0]:
                after, times, reset = self._rate_limit_after
                self._rate_limit_after = (after, times - 1, reset) if times > 1 else None
                return _Fault(status=429, times=1, reset=reset)
            for fault in self._faults:
                if fault.path is None or fault.path in path:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def fail_page(self, page: int, status: int = 503, *, path: str = "/products", times: int | None = None):
        """Page `page` (1: the first) of the lists whose path contains `path` answers `status`, `times` times
        (None: until `clear_faults`), while the pages around it answer. The fault's `hits` counts its answers."""
        fault = _PageFault(page=page, status=status, path=path, times=times)
        with self._lock:
            self._page_faults.append(fault)
        return fault

    def _page_fault(self, path: str, page: int) -> int | None:
        """The status page `page` of `path` must answer instead of the page, if a `fail_page` says so."""
        with self._lock:
            for fault in self._page_faults:
                if fault.page == page and fault.path in path:
                    fault.hits += 1
                    if fault.times is not None and fault.hits >= fault.times:
                        self._page_faults.remove(fault)
                    return fault.status
        return None
