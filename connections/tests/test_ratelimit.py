"""The per-token rate limiter holds VK's 3 requests a second across processes (Redis and file fallback)."""

import multiprocessing
import uuid

import pytest

from connections.ratelimit import FileRateLimiter, RedisRateLimiter, token_key
from connections.tests.ratelimit_worker import make_calls
from emulators.vk.fixtures import TEST_TOKEN

CALLS_PER_PROCESS = 5


def most_requests_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times))


def run_two_processes(vk_emulator, *, redis_url: str = "", prefix: str = "", folder: str = ""):
    vk_emulator.rate_limit_per_second = 3
    context = multiprocessing.get_context("spawn")
    args = (vk_emulator.base_url, TEST_TOKEN, CALLS_PER_PROCESS, redis_url, prefix, folder)
    processes = [context.Process(target=make_calls, args=args) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [p.exitcode for p in processes] == [0, 0]
    times = [entry["time"] for entry in vk_emulator.request_log]
    assert len(times) == 2 * CALLS_PER_PROCESS
    assert vk_emulator.error_codes_seen() == [] and vk_emulator.rate_limited_count == 0
    assert most_requests_in_one_second(times) <= 3


def test_two_processes_share_the_limit_through_redis(vk_emulator, redis_client, settings):
    prefix = f"test:vk-rate:{uuid.uuid4().hex}:"
    try:
        run_two_processes(vk_emulator, redis_url=settings.REDIS_URL, prefix=prefix)
    finally:
        for key in redis_client.scan_iter(f"{prefix}*"):
            redis_client.delete(key)


def test_two_processes_share_the_limit_through_the_file_fallback(vk_emulator, tmp_path):
    run_two_processes(vk_emulator, folder=str(tmp_path / "rate"))


def test_file_limiter_gives_three_slots_then_a_wait(tmp_path):
    limiter = FileRateLimiter(tmp_path, limit=3, window=1.1)
    key = token_key("some-token")
    assert [limiter.try_acquire(key) for _ in range(3)] == [0, 0, 0]
    assert 0 < limiter.try_acquire(key) <= 1.1
    assert limiter.try_acquire(token_key("other-token")) == 0
    assert [p.name for p in tmp_path.iterdir() if "some-token" in p.name] == []


def test_redis_limiter_gives_three_slots_then_a_wait_and_never_stores_the_token(redis_client, settings):
    prefix = f"test:vk-rate:{uuid.uuid4().hex}:"
    limiter = RedisRateLimiter(settings.REDIS_URL, limit=3, window=1.1, prefix=prefix)
    try:
        key = token_key("secret-token-value")
        assert [limiter.try_acquire(key) for _ in range(3)] == [0, 0, 0]
        assert 0 < limiter.try_acquire(key) <= 1.1
        keys = [k.decode() for k in redis_client.scan_iter(f"{prefix}*")]
        assert keys and not any("secret-token-value" in k for k in keys)
        assert redis_client.pttl(keys[0]) > 0
    finally:
        for k in redis_client.scan_iter(f"{prefix}*"):
            redis_client.delete(k)


@pytest.mark.parametrize("limit", [1, 3])
def test_acquire_waits_for_a_slot(tmp_path, limit):
    limiter = FileRateLimiter(tmp_path, limit=limit, window=0.2)
    waits = [limiter.acquire("k") for _ in range(limit + 1)]
    assert waits[:limit] == [0.0] * limit and waits[limit] > 0


def test_a_redis_outage_is_a_transient_vk_error(vk_emulator):
    from connections.vk.client import VkClient
    from connections.vk.errors import VkTransientError

    limiter = RedisRateLimiter("redis://127.0.0.1:1/0", limit=3, window=1.1)
    client = VkClient(TEST_TOKEN, rate_limiter=limiter)
    with pytest.raises(VkTransientError, match="rate limiter"):
        client.call("users.get")
    assert vk_emulator.request_count == 0
