"""Fault injection for the VK emulator: what tests and the demo switch on to make VK misbehave.

Hooks queue a fault for the next calls or requests: `fail_next` fails one API call with a VK error (inside
execute: that call only, as VK's execute_errors), `refuse_next` refuses a whole request with a VK error before
anything is done, `lose_answer_next` does the work and loses the answer, `delay_next` answers late,
`on_request` runs a test's code as a request arrives (a merchant acting in VK's interface mid-run),
`http_error_next` / `upload_error_next` answer HTTP errors, `upload_delay_next` answers an upload late;
`chaos` makes a share of requests fail at random.
Request hooks take a `method`: they wait for a request that calls it, itself or inside execute ("*": any),
and `skip` lets that many such requests through first. `revoke_token` and `expire_token` make a token stop
working; `clear_faults` ends every queued fault and the chaos. The app consumes the faults as requests arrive.
"""

import random
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from emulators.vk.schema import VkFault

CHAOS_FAULTS = ("http_502_before", "error_10_before", "answer_lost_after")


@dataclass
class _RequestFault:
    """One kind of fault waiting for `times` requests that call `method` ("*": any), after `skip` of them."""

    kind: str  # "refuse", "lose_answer", "delay" or "callback"
    method: str
    times: int
    skip: int = 0
    error_code: int = 0
    delay: float = 0.0
    callback: Callable[[], object] | None = None


@dataclass
class DueFaults:
    """What the faults due for one request do to it (at most one of each kind)."""

    error_code: int = 0  # refuse the request whole with this VK error, before any work
    lose_answer: bool = False  # do the work, then answer HTTP 502 instead of VK's answer
    delay: float = 0.0
    callbacks: list = field(default_factory=list)


class VkFaults:
    """The fault hooks of `VkEmulator` (a mixin: it shares the emulator's lock and tokens)."""

    def _init_faults(self) -> None:
        self._faults: dict[str, deque] = defaultdict(deque)
        self._request_faults: list[_RequestFault] = []
        self._http_faults: deque = deque()
        self._upload_faults: deque = deque()
        self._upload_delays: deque = deque()
        self._chaos: tuple[float, random.Random] | None = None
        self.refuses_bulk = False

    def fail_next(self, method: str, error_code: int, times: int = 1) -> None:
        """The next `times` calls of `method` fail with VK error `error_code`.

        Counts calls inside execute too; "*" matches any request (before execute runs)."""
        with self._lock:
            self._faults[method].extend([error_code] * times)

    def refuse_next(self, method: str, error_code: int = 6, times: int = 1, *, skip: int = 0) -> None:
        """The next `times` requests calling `method` are refused whole with VK error `error_code`, nothing done.

        As VK does with error 6 (too many requests per second) or 10 (internal error): an execute that
        contains `method` fails as one, unlike `fail_next`, which fails the call alone inside execute."""
        self._queue(_RequestFault("refuse", method, times, skip, error_code=error_code))

    def lose_answer_next(self, method: str = "*", times: int = 1, *, skip: int = 0) -> None:
        """The next `times` requests calling `method` are done, then their answer is lost (HTTP 502 instead).

        VK made the change, the caller never learns it: what a dropped connection, or a worker that died
        after VK answered, looks like from outside. A create sent again after it makes twins."""
        self._queue(_RequestFault("lose_answer", method, times, skip))

    def delay_next(self, seconds: float, times: int = 1, *, method: str = "*", skip: int = 0) -> None:
        """The next `times` requests (calling `method`) wait `seconds` before VK does the work (a client's timeout
        trips; VK still does it afterwards)."""
        self._queue(_RequestFault("delay", method, times, skip, delay=seconds))

    def on_request(self, method: str, callback: Callable[[], object], times: int = 1, *, skip: int = 0) -> None:
        """`callback()` runs when a request calling `method` arrives, before VK does the work.

        For what happens in VK between a client's read and its write: e.g. the merchant deleting an item by
        hand (`lambda: emu.delete_item_by_hand(group_id, item_id)`) just before the edit of it arrives."""
        self._queue(_RequestFault("callback", method, times, skip, callback=callback))

    def http_error_next(self, status: int = 502, times: int = 1) -> None:
        with self._lock:
            self._http_faults.extend([status] * times)

    def upload_error_next(self, status: int = 502, times: int = 1) -> None:
        """The next photo uploads to the upload server answer HTTP `status`."""
        with self._lock:
            self._upload_faults.extend([status] * times)

    def upload_delay_next(self, seconds: float, times: int = 1) -> None:
        """The next photo uploads to the upload server wait `seconds` before they are taken (a slow or far server)."""
        with self._lock:
            self._upload_delays.extend([seconds] * times)

    def refuse_bulk(self, refused: bool = True) -> None:
        """Play a community that refuses the bulk photo flow: asking for a bulk upload address answers error 100."""
        with self._lock:
            self.refuses_bulk = refused

    def chaos(self, rate: float, *, seed: int = 0) -> None:
        """From now on a share `rate` of API requests goes wrong at random (0 stops it), reproducibly by `seed`.

        Each fault is one of: HTTP 502 before VK does anything, VK error 10 (internal) before it, or the
        answer lost after VK did the work (HTTP 502 where the answer should be): the case that makes twins
        if a client sends a create again."""
        with self._lock:
            self._chaos = (rate, random.Random(seed)) if rate > 0 else None

    def clear_faults(self) -> None:
        """Every queued fault is dropped and the chaos stops: VK behaves from the next request on."""
        with self._lock:
            self._init_faults()

    def _queue(self, fault: _RequestFault) -> None:
        with self._lock:
            self._request_faults.append(fault)

    def _chaos_fault(self) -> str | None:
        with self._lock:
            if self._chaos is None:
                return None
            rate, rng = self._chaos
            if rng.random() >= rate:
                return None
            return rng.choice(CHAOS_FAULTS)

    def refuse_variants(self, group_id: int, refused: bool = True) -> None:
        """The community cannot have variants (as where VK has not enabled them): properties and grouping answer
        1410, values and ungrouping 1411. `refused=False` enables them again."""
        with self._lock:
            self.communities[group_id].variants_enabled = not refused

    def revoke_token(self, token: str) -> None:
        with self._lock:
            self.tokens.pop(token, None)

    def expire_token(self, token: str) -> None:
        with self._lock:
            self.token_expires[token] = time.time() - 1

    # --- consumed by the app ----------------------------------------------------------------
    def _take_http_fault(self) -> int | None:
        """The HTTP status queued for this API request, answered before anything else."""
        with self._lock:
            return self._http_faults.popleft() if self._http_faults else None

    def _take_request_faults(self, methods: set[str]) -> DueFaults:
        """The faults due for a request calling `methods`: each fault counts the requests it matches (its
        `skip` first); of each kind the first one queued applies, the others wait for later requests."""
        due, applied = DueFaults(), set()
        with self._lock:
            for fault in list(self._request_faults):
                if fault.method != "*" and fault.method not in methods:
                    continue
                if fault.skip:
                    fault.skip -= 1
                    continue
                if fault.kind in applied:
                    continue
                applied.add(fault.kind)
                fault.times -= 1
                if fault.times <= 0:
                    self._request_faults.remove(fault)
                if fault.kind == "refuse":
                    due.error_code = fault.error_code
                elif fault.kind == "lose_answer":
                    due.lose_answer = True
                elif fault.kind == "delay":
                    due.delay = fault.delay
                else:
                    due.callbacks.append(fault.callback)
        return due

    def _take_upload_fault(self) -> int | None:
        with self._lock:
            return self._upload_faults.popleft() if self._upload_faults else None

    def _take_upload_delay(self) -> float:
        with self._lock:
            return self._upload_delays.popleft() if self._upload_delays else 0.0

    def _injected_fault(self, method: str) -> None:
        with self._lock:
            queue = self._faults.get(method)
            code = queue.popleft() if queue else None
        if code:
            raise VkFault(code, "injected by the emulator")
