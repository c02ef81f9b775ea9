"""Evotor politely: every API request of a token waits for its turn (EVOTOR_RATE_LIMIT_PER_SECOND, shared by
every process through connections.ratelimit), a Remaining of 0 holds the token until Evotor's reset, and a 429
is waited out and retried — against the emulator's own per-token limit (`limit_per_token`)."""

import threading
import time

import pytest

from connections.evotor.client import EvotorClient, EvotorTransientError, EvotorWaitPastDeadline
from connections.ratelimit import FileRateLimiter, evotor_rate_limiter, token_key


@pytest.fixture
def catalog(evotor_emulator):
    evotor_emulator.page_size = 10
    return evotor_emulator.add_merchant(token="tok-pace", stores=1, groups=2, products=70)


def test_remaining_zero_holds_the_token_until_the_reset_so_evotor_never_answers_429(
    evotor_emulator, catalog, settings, tmp_path
):
    evotor_emulator.limit_per_token(3, seconds=1.0)  # far below our own pace (the fixture's 1000 a second)
    client = EvotorClient("tok-pace", pacer=FileRateLimiter(tmp_path, limit=1000, window=1.0))
    started = time.monotonic()
    products = list(client.products(catalog["stores"][0]))  # 7 pages: the token's quota is used twice over
    assert len(products) == 70
    assert evotor_emulator.quota.refused == 0
    assert time.monotonic() - started >= 2.0  # it waited for the resets instead
    assert client.request_count == 7


def test_the_pace_alone_keeps_threads_sharing_a_token_under_evotors_limit(evotor_emulator, catalog, settings):
    evotor_emulator.limit_per_token(5, seconds=1.0)
    settings.EVOTOR_RATE_LIMIT_PER_SECOND = 4  # with the window's margin: 4 in 1.1 s
    store_id = catalog["stores"][0]
    errors = []

    def read():
        try:
            list(EvotorClient("tok-pace").products(store_id))
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert evotor_emulator.quota.refused == 0


def test_a_429_is_waited_out_for_its_reset_and_retried(evotor_emulator, catalog):
    evotor_emulator.limit_per_token(2, seconds=1.0)
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        time.sleep(seconds)

    client = EvotorClient("tok-pace", pacer=None, sleep=sleep)  # nothing heeds the headers: Evotor refuses
    stores = [client.stores(), client.stores(), client.stores()]
    assert all(len(answer) == 1 for answer in stores)
    assert evotor_emulator.quota.refused == 1
    assert waits == [1.0]  # X-RateLimit-Reset: the window's oldest request leaves it within a second
    assert client.request_count == 4


def test_429s_beyond_the_retries_are_a_transient_failure(evotor_emulator, catalog):
    evotor_emulator.fail_next(429, times=5, reset=1)
    client = EvotorClient("tok-pace", pacer=None, sleep=lambda seconds: None, max_retries=2)
    with pytest.raises(EvotorTransientError) as error:
        client.stores()
    assert error.value.status == 429 and not error.value.permanent
    assert client.request_count == 3


def test_a_pause_holds_every_process_of_that_token_and_no_other(tmp_path):
    one, other = FileRateLimiter(tmp_path, limit=100, window=1.0), FileRateLimiter(tmp_path, limit=100, window=1.0)
    one.pause(token_key("tok-a", "evotor"), 0.5)
    assert 0.3 < other.try_acquire(token_key("tok-a", "evotor")) <= 0.5  # another process sees the pause
    assert other.try_acquire(token_key("tok-b", "evotor")) == 0
    time.sleep(0.5)
    assert other.try_acquire(token_key("tok-a", "evotor")) == 0


def test_evotor_has_its_own_windows_and_no_pace_when_switched_off(settings):
    settings.EVOTOR_RATE_LIMIT_PER_SECOND = 7
    limiter = evotor_rate_limiter()
    assert limiter.limit == 7
    assert token_key("tok", "evotor") != token_key("tok")  # never the VK window of the same string
    settings.EVOTOR_RATE_LIMIT_PER_SECOND = 0
    assert evotor_rate_limiter() is None


def test_a_request_whose_turn_comes_after_the_callers_deadline_is_not_sent_and_says_the_wait(
    evotor_emulator, catalog, tmp_path
):
    pacer = FileRateLimiter(tmp_path, limit=1000, window=1.0)
    client = EvotorClient("tok-pace", pacer=pacer)
    pacer.pause(token_key("tok-pace", "evotor"), 60.0)  # Evotor said the token has nothing left for a minute
    client.wait_until = time.monotonic() + 20.0
    started = time.monotonic()
    with pytest.raises(EvotorWaitPastDeadline) as raised:
        client.stores()
    assert time.monotonic() - started < 20.0  # it did not wait in the slot (a wait would have taken a minute)
    assert 30.0 < raised.value.wait <= 60.0 and client.request_count == 0
