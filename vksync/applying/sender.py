"""Sending batches to VK: one `execute` per batch, a request that creates things never resent blindly,
and the pipelined sender (`InOrder`) that has the next batch in flight while the previous answers are written."""

import contextvars
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from connections.vk.client import VkCall
from connections.vk.errors import VkConnectionBroken, VkWaitPastDeadline, breaks_connection, reason_in_words
from vksync.applying.context import Context

BATCH = 25
AHEAD = 2  # batches sent and not yet recorded: one answered being written, the next in flight
NOT_REPEATABLE = {
    "market.add",
    "market.addAlbum",
    "market.addProperty",
    "market.addPropertyVariant",
}  # repeating them after a lost answer would make twins


def send(ctx: Context, calls: list[VkCall], *, wait_until: float | None = None) -> list:
    """One batch through `execute`; a per-call error that makes the whole connection unusable stops the run.
    `wait_until`: VkWaitPastDeadline, nothing sent, when the token's turn would come after it.

    When the answer to a batch that creates things is lost (timeout, 5xx), VK may have made the items: the
    batch is not sent again; the run stops (the task tries again later) and the next run, reading the shop
    first, adopts them by sku instead of creating twins.
    """
    creates = any(call.method in NOT_REPEATABLE for call in calls)
    results = ctx.client.batch(calls, resend_when_unsure=not creates, wait_until=wait_until)
    for call in calls:
        ctx.counts.calls[call.method] = ctx.counts.calls.get(call.method, 0) + 1
    ctx.sent.extend(
        (call.method, call.params, result.ok, result.response if result.ok else result.error.code)
        for call, result in zip(calls, results, strict=True)
    )
    for result in results:
        error = getattr(result, "error", None)
        if error is not None and breaks_connection(error.code):
            raise VkConnectionBroken(error.code, reason_in_words(error))
    return results


def chunks(ops: list, size: int = BATCH) -> list[list]:
    return [ops[start : start + size] for start in range(0, len(ops), size)]


class InOrder:
    """Batches sent one request at a time from a helper thread, their answers taken in the order sent.

    The caller keeps at most two batches unrecorded (`len`): the next request goes out while the previous answers
    are written, so VK's answer and our writes overlap. After a request fails, none after it is sent. A crash
    loses at most the answers of two requests; their items carry our sku, so the next run adopts them instead
    of making twins. `on_answer()` is called (in the helper thread) as each request is answered, so a caller
    waiting for something else as well can wake up. `sent` counts the batches submitted and `longest` is the
    longest request's time so far. A batch after the slice's first never waits for the rate limiter past the
    slice's deadline: it is not sent, and taking it gives None.
    """

    def __init__(self, ctx: Context, *, on_answer: Callable[[], None] | None = None):
        self.ctx, self.on_answer = ctx, on_answer
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vk-send")
        self._waiting: deque = deque()
        self._failed: list[BaseException] = []
        self.sent, self.longest = 0, 0.0

    def __len__(self) -> int:
        return len(self._waiting)

    def submit(self, batch: list, calls: list[VkCall]) -> None:
        wait_until = self.ctx.clock.deadline if self.sent else None  # the slice's first batch goes anyway
        sending = self._pool.submit(contextvars.copy_context().run, self._send_in_turn, calls, wait_until)
        if self.on_answer:
            sending.add_done_callback(lambda _done: self.on_answer())
        self._waiting.append((batch, calls, sending))
        self.sent += 1

    def answered(self) -> bool:
        """The oldest batch's answer is in (or its failure)."""
        return bool(self._waiting) and self._waiting[0][2].done()

    def take(self) -> tuple[list, list, list] | None:
        """(batch, calls, results) of the oldest batch, waiting for its answer; raises what stopped it. None when
        the slice's deadline held the batch back (not sent): the slice's work ends there (`counts.finished`
        False) and its next slice waits for the token's turn; that slice's plan holds the rest."""
        batch, calls, sending = self._waiting.popleft()
        try:
            return batch, calls, sending.result()
        except VkWaitPastDeadline as late:
            self.ctx.counts.finished = False
            self.ctx.clock.resume_in = max(self.ctx.clock.resume_in, late.wait)
            return None

    def close(self) -> None:
        """Nothing more is sent; the request under way is waited for."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _send_in_turn(self, calls: list[VkCall], wait_until: float | None) -> list:
        if self._failed:
            raise self._failed[0]
        started = time.monotonic()
        try:
            return send(self.ctx, calls, wait_until=wait_until)  # no wait for the rate limiter past the slice
        except BaseException as error:
            self._failed.append(error)
            raise
        finally:
            self.longest = max(self.longest, time.monotonic() - started)
