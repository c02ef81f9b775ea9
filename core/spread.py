"""Periodic work of every merchant spread evenly over its interval, instead of all of it in the same second.

Each merchant has a stable place in every interval: its slot, `(id × 40503) mod 65536` — Knuth's multiplicative
hash with the golden ratio's share of 65,536, computed by the database — so consecutive ids land far apart and any
stretch of the interval holds about its share of the merchants (a new merchant has its place from its first
id). A frequent beat tick (SCHEDULE_TICK_SECONDS, a minute) takes the ticks' windows not handed out yet — each
window claimed once in the cache, so a tick run twice or late hands nobody out twice, and up to `CATCHUP_TICKS`
missed windows are caught up — and yields the merchants whose place in the interval falls in them, with the seconds
into the window (a countdown under a tick: never an ETA the broker's visibility timeout could redeliver). Every
merchant is thus due exactly once per interval while the beat runs.
"""

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, IntegerField, QuerySet, Value
from django.db.models.functions import Mod

SLOTS = 65536
MULTIPLIER = 40503  # round(65536 × (√5 − 1) / 2)
CATCHUP_TICKS = 5  # windows a late or restarted beat still hands out; older ones wait for the next interval


def tick_seconds() -> int:
    """How often the beat ticks, and so the length of a window (SCHEDULE_TICK_SECONDS)."""
    return max(1, int(settings.SCHEDULE_TICK_SECONDS))


@dataclass(frozen=True)
class Window:
    """One tick's stretch of time, [start, start + length) in epoch seconds."""

    start: int
    length: int

    @property
    def end(self) -> int:
        return self.start + self.length


def merchant_key(queryset: QuerySet) -> str:
    """The merchant's id in the queryset's rows: `merchant_id` on a merchant's row, else the merchant's own pk."""
    return "merchant_id" if "merchant_id" in {f.attname for f in queryset.model._meta.concrete_fields} else "pk"


def with_slot(queryset: QuerySet) -> QuerySet:
    """The queryset of merchants (or of rows keyed by `merchant_id`) annotated with each merchant's `slot`."""
    slot = Mod(F(merchant_key(queryset)) * Value(MULTIPLIER), Value(SLOTS), output_field=IntegerField())
    return queryset.annotate(slot=slot)


def slot_of(merchant_id: int) -> int:
    return merchant_id * MULTIPLIER % SLOTS


def place(slot: int, every: int) -> float:
    """Seconds into the interval at which a merchant of this slot is due."""
    return slot * every / SLOTS


def clock() -> float:
    return time.time()


def windows_to_hand_out(name: str, *, every: int, now: float | None = None) -> list[Window]:
    """The complete tick windows up to `now` that no tick has handed out yet (claimed here, once each)."""
    now = clock() if now is None else now
    tick = tick_seconds()
    last = int(now // tick) * tick - tick
    claimed = []
    for start in range(last - (CATCHUP_TICKS - 1) * tick, last + tick, tick):
        if cache.add(f"evosync:spread:{name}:{tick}:{start}", 1, timeout=max(every, tick * CATCHUP_TICKS) * 2):
            claimed.append(Window(start, tick))
    return claimed


def due(queryset: QuerySet, window: Window, *, every: int) -> Iterator[tuple[int, float]]:
    """(merchant id, seconds into the window) of the merchants whose place in the interval falls in the window,
    read in chunks. The window may wrap past the interval's end: then its rest is the interval's beginning."""
    every = max(every, window.length)
    low = window.start % every
    high = low + window.length
    ranges = [(low, min(high, every), -low)] + ([(0, high - every, every - low)] if high > every else [])
    rows = with_slot(queryset)
    for start, end, shift in ranges:
        first, past = _slot_bound(start, every), _slot_bound(end, every)
        chosen = rows.filter(slot__gte=first, slot__lt=past).values_list(merchant_key(queryset), "slot")
        for merchant_id, slot in chosen.order_by("slot").iterator(chunk_size=500):
            yield merchant_id, max(0.0, place(slot, every) + shift)


def _slot_bound(seconds: float, every: int) -> int:
    """The first slot whose place is at or after `seconds` (so windows tile the slots exactly)."""
    return min(SLOTS, math.ceil(seconds * SLOTS / every))


def hand_out(
    name: str, queryset: QuerySet, *, every: int, send: Callable[[int, float], None], now: float | None = None
) -> int:
    """The beat tick of one periodic job: `send(merchant id, countdown)` for each merchant due since the last tick;
    returns how many. `name` keeps this job's windows apart from another's."""
    handed = 0
    for window in windows_to_hand_out(name, every=every, now=now):
        for merchant_id, seconds in due(queryset, window, every=every):
            send(merchant_id, seconds)
            handed += 1
    return handed
