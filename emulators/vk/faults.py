"""Fault injection for the VK emulator: what tests and the demo switch on to make VK misbehave.

Hooks queue a fault for the next requests (`fail_next` a VK error, `http_error_next`, `upload_error_next`,
`delay_next`), or make a share of requests fail at random (`chaos`); `revoke_token` and `expire_token`
make a token stop working. The app consumes the queued faults as requests arrive.
"""

import random
import time
from collections import defaultdict, deque

from emulators.vk.schema import VkFault

CHAOS_FAULTS = ("http_502_before", "error_10_before", "answer_lost_after")


class VkFaults:
    """The fault hooks of `VkEmulator` (a mixin: it shares the emulator's lock and tokens)."""

    def _init_faults(self) -> None:
        self._faults: dict[str, deque] = defaultdict(deque)
        self._http_faults: deque = deque()
        self._upload_faults: deque = deque()
        self._delays: deque = deque()
        self._chaos: tuple[float, random.Random] | None = None

    def fail_next(self, method: str, error_code: int, times: int = 1) -> None:
        """The next `times` calls of `method` fail with VK error `error_code`.

        Counts calls inside execute too; "*" matches any request (before execute runs)."""
        with self._lock:
            self._faults[method].extend([error_code] * times)

    def http_error_next(self, status: int = 502, times: int = 1) -> None:
        with self._lock:
            self._http_faults.extend([status] * times)

    def upload_error_next(self, status: int = 502, times: int = 1) -> None:
        """The next photo uploads to the upload server answer HTTP `status`."""
        with self._lock:
            self._upload_faults.extend([status] * times)

    def delay_next(self, seconds: float, times: int = 1) -> None:
        """The next requests wait `seconds` before answering (the client's timeout trips)."""
        with self._lock:
            self._delays.extend([seconds] * times)

    def chaos(self, rate: float, *, seed: int = 0) -> None:
        """From now on a share `rate` of API requests goes wrong at random (0 stops it), reproducibly by `seed`.

        Each fault is one of: HTTP 502 before VK does anything, VK error 10 (internal) before it, or the
        answer lost after VK did the work (HTTP 502 where the answer should be): the case that makes twins
        if a client sends a create again."""
        with self._lock:
            self._chaos = (rate, random.Random(seed)) if rate > 0 else None

    def _chaos_fault(self) -> str | None:
        with self._lock:
            if self._chaos is None:
                return None
            rate, rng = self._chaos
            if rng.random() >= rate:
                return None
            return rng.choice(CHAOS_FAULTS)

    def revoke_token(self, token: str) -> None:
        with self._lock:
            self.tokens.pop(token, None)

    def expire_token(self, token: str) -> None:
        with self._lock:
            self.token_expires[token] = time.time() - 1

    # --- consumed by the app ----------------------------------------------------------------
    def _take_request_faults(self) -> tuple[int | None, float]:
        """The HTTP status and the delay queued for this API request (a status takes no delay)."""
        with self._lock:
            http_status = self._http_faults.popleft() if self._http_faults else None
            delay = self._delays.popleft() if self._delays and not http_status else 0.0
        return http_status, delay

    def _take_upload_fault(self) -> int | None:
        with self._lock:
            return self._upload_faults.popleft() if self._upload_faults else None

    def _injected_fault(self, method: str) -> None:
        with self._lock:
            queue = self._faults.get(method)
            code = queue.popleft() if queue else None
        if code:
            raise VkFault(code, "injected by the emulator")
