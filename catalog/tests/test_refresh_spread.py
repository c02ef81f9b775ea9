"""The hour spread out (core.spread): every merchant has a stable place in the interval, a tick every minute hands
out those whose place came, and so a thousand merchants are refreshed evenly over the hour, each exactly once."""

from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from accounts.tests.factories import UserFactory
from catalog import tasks
from connections.tests.factories import EvotorConnectionFactory
from core import spread

pytestmark = pytest.mark.django_db
HOUR = 3600
START = 1_800_000_000 - 1_800_000_000 % HOUR + 17 * 60  # any minute of any hour


@pytest.fixture
def thousand_merchants():
    get_user_model().objects.bulk_create(UserFactory.build_batch(1000))
    return set(get_user_model().objects.values_list("pk", flat=True))


TICK = 60


def windows_of_an_hour(start=START):
    return [spread.Window(start + minute * TICK, TICK) for minute in range(HOUR // TICK)]


def test_a_thousand_merchants_are_due_evenly_over_the_hour_each_exactly_once(thousand_merchants):
    merchants = get_user_model().objects.all()
    per_window = [[pk for pk, _s in spread.due(merchants, window, every=HOUR)] for window in windows_of_an_hour()]
    seen = Counter(pk for due in per_window for pk in due)
    assert set(seen) == thousand_merchants and set(seen.values()) == {1}
    mean = len(thousand_merchants) / len(per_window)
    assert max(len(due) for due in per_window) <= 2 * mean
    assert min(len(due) for due in per_window) >= mean / 2


def test_each_merchant_is_due_at_the_same_moment_every_hour_within_its_minute(thousand_merchants):
    merchants = get_user_model().objects.all()
    this_hour = {pk: s for w in windows_of_an_hour() for pk, s in spread.due(merchants, w, every=HOUR)}
    next_hour = {pk: s for w in windows_of_an_hour(START + HOUR) for pk, s in spread.due(merchants, w, every=HOUR)}
    assert this_hour == next_hour
    assert all(0 <= seconds < TICK for seconds in this_hour.values())  # a countdown under a minute


def test_an_interval_that_is_not_whole_minutes_still_has_everyone_once(thousand_merchants):
    merchants = get_user_model().objects.all()
    every = 150  # 2.5 minutes: windows wrap around the interval's end
    windows = [spread.Window(START + minute * TICK, TICK) for minute in range(5)]  # two intervals
    seen = Counter(pk for w in windows for pk, _s in spread.due(merchants, w, every=every))
    assert set(seen) == thousand_merchants and set(seen.values()) == {2}


def test_a_new_merchant_gets_its_place_and_is_due_once_an_hour(thousand_merchants):
    newcomer = UserFactory()
    merchants = get_user_model().objects.all()
    hits = [w for w in windows_of_an_hour() if newcomer.pk in {pk for pk, _s in spread.due(merchants, w, every=HOUR)}]
    assert len(hits) == 1


def test_a_tick_hands_out_each_window_once_and_catches_up_after_a_pause():
    cache.clear()
    assert [w.start for w in spread.windows_to_hand_out("t", every=HOUR, now=START + 30)][-1] == START - 60
    assert spread.windows_to_hand_out("t", every=HOUR, now=START + 45) == []  # the same minute again: nothing
    later = spread.windows_to_hand_out("t", every=HOUR, now=START + 3 * 60 + 5)  # the beat paused two ticks
    assert [w.start for w in later] == [START, START + 60, START + 120]


def test_the_beat_tick_queues_a_refresh_only_for_merchants_whose_moment_came(evotor_emulator, monkeypatch):
    cache.clear()
    connections = [EvotorConnectionFactory(token=f"tok-{n}") for n in range(3)]
    for connection in connections:
        evotor_emulator.add_merchant(token=connection.token, stores=1, products=3)
    refreshed = []
    monkeypatch.setattr(tasks.refresh_catalog, "apply_async", lambda args, countdown: refreshed.append(args[0]))
    monkeypatch.setattr(spread, "clock", lambda: START + 1)
    tasks.refresh_due_catalogs()  # the minutes before this hour, handed out before it
    refreshed.clear()
    ticks = []
    for window in windows_of_an_hour():
        monkeypatch.setattr(spread, "clock", lambda start=window.start: start + TICK + 1)
        ticks.append(tasks.refresh_due_catalogs())
    assert sorted(refreshed) == sorted(c.merchant_id for c in connections)  # each once in the hour
    assert sum(ticks) == 3 and max(ticks) <= 2


def test_a_shorter_tick_spreads_a_compressed_hour_the_same_way(thousand_merchants, settings):
    settings.SCHEDULE_TICK_SECONDS = 6  # the benchmarks' hour of 360 s, ticked ten times a minute
    cache.clear()
    merchants, every = get_user_model().objects.all(), 360
    spread.windows_to_hand_out("short", every=every, now=START + 1)  # what came before
    per_tick = []
    for tick in range(1, every // 6 + 1):
        windows = spread.windows_to_hand_out("short", every=every, now=START + tick * 6 + 1)
        assert [w.length for w in windows] == [6]
        per_tick.append([pk for w in windows for pk, _s in spread.due(merchants, w, every=every)])
    seen = Counter(pk for due in per_tick for pk in due)
    assert set(seen) == thousand_merchants and set(seen.values()) == {1}
    assert max(len(due) for due in per_tick) <= 2 * len(thousand_merchants) / len(per_tick)
