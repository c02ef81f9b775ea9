"""Run in a child process by test_ratelimit: VK calls through a shared rate limiter."""

from connections.ratelimit import FileRateLimiter, RedisRateLimiter
from connections.vk.client import VkClient

WINDOW = 1.3  # VK's 1 s plus a wide margin: on a loaded test machine a request may reach the emulator late


def make_calls(base_url: str, token: str, calls: int, redis_url: str, prefix: str, folder: str) -> None:
    if redis_url:
        limiter = RedisRateLimiter(redis_url, limit=3, window=WINDOW, prefix=prefix)
    else:
        limiter = FileRateLimiter(folder, limit=3, window=WINDOW)
    client = VkClient(token, base_url=base_url, version="5.199", rate_limiter=limiter, max_retries=0, timeout=10)
    for _ in range(calls):
        client.call("users.get")  # max_retries=0: an error 6 would fail this process
