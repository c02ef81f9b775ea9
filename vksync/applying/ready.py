"""Which item writes may go to VK now: an item waits only for its own pictures still being uploaded.

The pictures go up in the background (`photos`); an item is released as soon as none of its pictures is still
coming (saved, or failed for good: it then goes with the others and its hash stays open). An item none of whose
own pictures is in VK waits for the default picture too, so it never goes bare while that one is coming.
Items are handed out in full `execute` batches while pictures are still coming, so releasing them early never
costs a request more than sending them all at the end. While a later slice of the run sends more (`more_to_come`:
pictures still being learnt), only full batches go, of items whose pictures are all in VK: an item sent before its
pictures would be edited again; the rest wait for that slice's plan.
"""

from collections import deque

from vksync import planning as p
from vksync.applying.context import Context
from vksync.applying.sender import BATCH


class ReadyItems:
    """Item writes in the plan's order, each released once none of the pictures it shows is in `coming`.

    `coming` is the set of pictures still being uploaded, kept by the caller: a picture leaves it before
    `settled` is told about it."""

    def __init__(self, ctx: Context, ops: list[p.Operation], coming: set[str]):
        self.ctx, self.coming = ctx, coming
        self._ready: deque[p.Operation] = deque()
        self._ops = ops
        self._missing = [0] * len(ops)  # per op: its pictures still coming
        self._waiting_on: dict[str, list[int]] = {}  # sha → ops waiting for it
        for index, op in enumerate(ops):
            for sha in dict.fromkeys(op.photo_sha):
                if sha in coming:
                    self._wait(index, sha)
            if not self._missing[index]:
                self._release(index)

    def settled(self, shas: list[str]) -> None:
        """These pictures are done (saved or failed): the items that waited only for them are ready."""
        for sha in shas:
            for index in self._waiting_on.pop(sha, ()):
                self._missing[index] -= 1
                if not self._missing[index]:
                    self._release(index)

    def batch(self, *, last: bool) -> list[p.Operation]:
        """A full batch of ready items; with `last` (no picture is coming any more) whatever is ready, unless a
        later slice sends more."""
        last = last and not self.ctx.more_to_come
        if len(self._ready) < BATCH and not (last and self._ready):
            return []
        return [self._ready.popleft() for _ in range(min(BATCH, len(self._ready)))]

    def _wait(self, index: int, sha: str) -> None:
        self._missing[index] += 1
        self._waiting_on.setdefault(sha, []).append(index)

    def _release(self, index: int) -> None:
        op, default = self._ops[index], self.ctx.default_sha
        if self.ctx.more_to_come and op.photo_sha and not self.ctx.has_pictures(op):
            return  # a later slice's plan sends it with its pictures
        shows_pictures = op.kind != p.DELETE and op.fields is not None
        bare = not any(sha in self.ctx.photo_ids for sha in op.photo_sha)
        if shows_pictures and bare and default in self.coming:
            self._wait(index, default)  # its own pictures failed: it goes with the default one
            return
        self._ready.append(op)
