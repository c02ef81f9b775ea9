"""Sending batches to VK: one `execute` per batch, a request that creates things never resent blindly,
and the pipelined sender that has the next batch in flight while the previous answers are written."""

import contextvars
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from connections.vk.client import VkCall
from connections.vk.errors import VkConnectionBroken, breaks_connection, reason_in_words
from vksync.applying.context import Context

BATCH = 25
NOT_REPEATABLE = {
    "market.add",
    "market.addAlbum",
    "market.addProperty",
    "market.addPropertyVariant",
}  # repeating them after a lost answer would make twins


def send(ctx: Context, calls: list[VkCall]) -> list:
    """One batch through `execute`; a per-call error that makes the whole connection unusable stops the run.

    When the answer to a batch that creates things is lost (timeout, 5xx), VK may have made the items: the
    batch is not sent again; the run stops (the task tries again later) and the next run, reading the shop
    first, adopts them by sku instead of creating twins.
    """
    for call in calls:
        ctx.counts.calls[call.method] = ctx.counts.calls.get(call.method, 0) + 1
    creates = any(call.method in NOT_REPEATABLE for call in calls)
    results = ctx.client.batch(calls, resend_when_unsure=not creates)
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


def answers_ahead(ctx: Context, batches: list[list], make_calls: Callable) -> Iterator[tuple[list, list, list]]:
    """(batch, calls, results) in order, the next batch's request already sent while this one's are recorded.

    A batch goes out only while the slice's budget has room for it and for the one in flight: two of the longest
    batch cycles seen (request, answer, recording). Otherwise the one in flight is recorded and the rest waits for
    the run's next slice (at least one batch is sent per slice), so the slice ends within its budget.

    One request at a time goes out, from a helper thread, so VK's answer and our writes overlap. After a
    request fails, none after it is sent. A crash loses at most the answers of two requests; their items
    carry our sku, so the next run adopts them instead of making twins.
    """
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vk-send")
    failed = []

    def send_in_turn(calls: list) -> list:
        if failed:
            raise failed[0]
        try:
            return send(ctx, calls)
        except BaseException as error:
            failed.append(error)
            raise

    try:
        waiting, cycle, last = None, 0.0, None
        for batch in batches:
            now = time.monotonic()
            if last is not None:
                cycle = max(cycle, now - last)  # one batch's turn: its answer awaited and the one before recorded
                ctx.batch_seconds = max(ctx.batch_seconds, cycle)
            last = now
            if waiting and ctx.out_of_time(2 * cycle + ctx.closing_seconds(len(waiting[1]) + len(batch))):
                ctx.counts.finished = False
                break
            calls = make_calls(batch)
            sending = pool.submit(contextvars.copy_context().run, send_in_turn, calls)
            if waiting:
                yield waiting[0], waiting[1], waiting[2].result()
            waiting = (batch, calls, sending)
        if waiting:
            yield waiting[0], waiting[1], waiting[2].result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
