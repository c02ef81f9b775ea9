"""Requests per second per token, shared by every process that calls VK (or Evotor).

A sliding window: at most `limit` requests in any `window` seconds (VK allows 3 a second per
user token; the window carries a small safety margin so network jitter never tips us over).
With Redis (REDIS_URL) the window is a sorted set updated atomically by a Lua script using
Redis's clock; without Redis a JSON file per token under VAR_DIR, locked with flock, does the
same for the processes of one machine (the embedded default). Keys are a hash of the token,
never the token itself. Evotor's requests are paced by the same windows under their own prefix and folder
(`evotor_rate_limiter`); a key can also be paused (`pause`: Evotor said its quota is used until a reset), and
every process waits that out before its next request.
"""

import hashlib
import json
import threading
import time
import uuid
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from core.metrics import EVOTOR_RATE_LIMIT_WAIT, VK_RATE_LIMIT_WAIT

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux
    fcntl = None

MAX_WAIT_SECONDS = 120.0


class RateLimiterError(Exception):
    """No slot could be had: the limiter's store is down, or the wait would be too long."""


class RateLimitWaitTooLong(RateLimiterError):
    """The limiter would have had to wait longer than allowed (MAX_WAIT_SECONDS, or the caller's `max_wait`);
    `wait`: the seconds until a slot, as the limiter last saw them."""

    def __init__(self, message: str, *, wait: float = 0.0):
        super().__init__(message)
        self.wait = wait


def token_key(token: str, service: str = "vk") -> str:
    return hashlib.sha256(f"evosync-{service}:{token}".encode()).hexdigest()[:40]


class RateLimiter:
    """Base: `acquire(key)` blocks until one more request for `key` fits in the window."""

    def __init__(self, limit: float, window: float, *, observe=VK_RATE_LIMIT_WAIT.observe):
        self.limit = int(limit)
        self.window = float(window)
        self.observe = observe

    def try_acquire(self, key: str) -> float:
        """Take a slot and return 0, or return the seconds to wait before trying again."""
        raise NotImplementedError

    def pause(self, key: str, seconds: float) -> None:
        """No slot for `key` for the next `seconds`, in any process (the service said its quota is used)."""
        raise NotImplementedError

    def acquire(self, key: str, *, max_wait: float = MAX_WAIT_SECONDS) -> float:
        """Wait for a slot; return the seconds waited."""
        waited = 0.0
        for _ in range(10_000):
            delay = self.try_acquire(key)
            if delay <= 0:
                self.observe(waited)
                return waited
            if waited + delay > max_wait:
                raise RateLimitWaitTooLong(f"waited {waited:.1f}s for a VK request slot", wait=delay)
            time.sleep(delay)
            waited += delay
        raise RateLimitWaitTooLong("too many attempts to get a VK request slot")


_SLIDING_WINDOW_LUA = """
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then
  return paused * 1000
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
"""


class RedisRateLimiter(RateLimiter):
    def __init__(self, redis_url: str, *, limit: float, window: float, prefix: str = "evosync:vk:rate:", **options):
        import redis

        super().__init__(limit, window, **options)
        self.client = redis.Redis.from_url(redis_url)
        self.prefix = prefix
        self._script = self.client.register_script(_SLIDING_WINDOW_LUA)

    def try_acquire(self, key: str) -> float:
        import redis

        try:
            micros = self._script(
                keys=[self.prefix + key, self.prefix + "pause:" + key],
                args=[self.limit, int(self.window * 1_000_000), uuid.uuid4().hex],
            )
        except redis.RedisError as exc:
            raise RateLimiterError(f"Redis rate limiter unavailable: {type(exc).__name__}")
        return int(micros) / 1_000_000

    def pause(self, key: str, seconds: float) -> None:
        import redis

        try:
            self.client.set(self.prefix + "pause:" + key, 1, px=max(1, int(seconds * 1000)))
        except redis.RedisError as exc:
            raise RateLimiterError(f"Redis rate limiter unavailable: {type(exc).__name__}")


class FileRateLimiter(RateLimiter):
    """The same window in a file per key, for processes of one machine without Redis."""

    _thread_lock = threading.Lock()

    def __init__(self, directory: str | Path, *, limit: float, window: float, **options):
        super().__init__(limit, window, **options)
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def pause(self, key: str, seconds: float) -> None:
        path = self.directory / f"{key}.pause"
        path.write_text(str(time.time() + seconds), encoding="utf-8")

    def _paused_for(self, key: str) -> float:
        try:
            until = float((self.directory / f"{key}.pause").read_text(encoding="utf-8") or 0)
        except (OSError, ValueError):
            return 0.0
        return max(0.0, until - time.time())

    def try_acquire(self, key: str) -> float:
        paused = self._paused_for(key)
        if paused > 0:
            return paused
        path = self.directory / f"{key}.json"
        with self._thread_lock, open(path, "a+", encoding="utf-8") as handle:
            if fcntl:
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.seek(0)
                try:
                    stamps = json.loads(handle.read() or "[]")
                except json.JSONDecodeError:
                    stamps = []
                now = time.time()
                stamps = [s for s in stamps if s > now - self.window]
                if len(stamps) >= self.limit:
                    return max(0.001, min(stamps) + self.window - now)
                stamps.append(now)
                handle.seek(0)
                handle.truncate()
                handle.write(json.dumps(stamps))
                handle.flush()
                return 0.0
            finally:
                if fcntl:
                    fcntl.flock(handle, fcntl.LOCK_UN)


def default_rate_limiter() -> RateLimiter:
    """Redis when REDIS_URL is set, else the file fallback under VAR_DIR."""
    window = 1.0 + settings.VK_RATE_LIMIT_MARGIN_SECONDS
    return _limiter(settings.REDIS_URL, str(settings.VAR_DIR), settings.VK_RATE_LIMIT_PER_SECOND, window)


def community_rate_limiter() -> RateLimiter:
    """The same, at the rate VK allows a community's own token (20 requests a second, against a user's 3)."""
    window = 1.0 + settings.VK_RATE_LIMIT_MARGIN_SECONDS
    return _limiter(settings.REDIS_URL, str(settings.VAR_DIR), settings.VK_COMMUNITY_RATE_LIMIT_PER_SECOND, window)


def evotor_rate_limiter() -> RateLimiter | None:
    """Evotor's requests per token (EVOTOR_RATE_LIMIT_PER_SECOND; 0: not paced), in windows of their own."""
    if settings.EVOTOR_RATE_LIMIT_PER_SECOND <= 0:
        return None
    window = 1.0 + settings.EVOTOR_RATE_LIMIT_MARGIN_SECONDS
    return _limiter(
        settings.REDIS_URL, str(settings.VAR_DIR), settings.EVOTOR_RATE_LIMIT_PER_SECOND, window, service="evotor"
    )


@lru_cache(maxsize=8)
def _limiter(redis_url: str, var_dir: str, limit: float, window: float, service: str = "vk") -> RateLimiter:
    """One limiter per store and rate, shared by the threads of a process (each acquire is one atomic step in
    Redis, or under a thread lock and flock in the file)."""
    observe = EVOTOR_RATE_LIMIT_WAIT.observe if service == "evotor" else VK_RATE_LIMIT_WAIT.observe
    if redis_url:
        return RedisRateLimiter(
            redis_url, limit=limit, window=window, prefix=f"evosync:{service}:rate:", observe=observe
        )
    return FileRateLimiter(Path(var_dir) / f"{service}-rate", limit=limit, window=window, observe=observe)
