"""One job per merchant at a time: a lock shared by every worker process.

Redis (REDIS_URL) when configured; otherwise the Django cache's atomic `add`, which is
enough for the demo's single machine. The lock expires by itself after `timeout` seconds,
so a crashed worker never blocks a merchant for good.
"""

import contextlib
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)


def merchant_key(name: str, merchant_id) -> str:
    """A cache/Redis key for one merchant. Merchant ids are per database: name it, so databases
    (e.g. parallel test runs) sharing one Redis never share keys."""
    database = connection.settings_dict["NAME"]
    return f"evosync:{database}:{name}:{merchant_id}"


@contextlib.contextmanager
def merchant_lock(name: str, merchant_id, timeout: int = 1800):
    """Yield True when this process now holds lock `name` for the merchant, False when another does.

    `with merchant_lock("catalog-refresh", merchant.id) as acquired: if not acquired: return`
    """
    key = merchant_key(f"lock:{name}", merchant_id)
    if settings.REDIS_URL:
        with _redis_lock(key, timeout) as acquired:
            yield acquired
        return
    token = uuid.uuid4().hex
    acquired = cache.add(key, token, timeout)
    try:
        yield acquired
    finally:
        if acquired and cache.get(key) == token:
            cache.delete(key)


@contextlib.contextmanager
def _redis_lock(key: str, timeout: int):
    import redis
    from redis.exceptions import LockError

    client = redis.Redis.from_url(settings.REDIS_URL)
    lock = client.lock(key, timeout=timeout, blocking=False)
    acquired = lock.acquire()
    try:
        yield acquired
    finally:
        if acquired:
            try:
                lock.release()
            except LockError:
                logger.warning("lock expired before release", extra={"lock": key})
        client.close()


class HeldLock:
    """A lock this process may hold, that it keeps alive by renewing it (`renew`) before `timeout` runs out.

    Truthy when acquired. A holder that dies stops renewing, so the lock ends `timeout` seconds after its
    last sign of life — the same moment its work is seen as stale elsewhere, when both use one timeout."""

    def __init__(self, key: str, timeout: int):
        self.key, self.timeout, self.acquired = key, timeout, False
        self._token = uuid.uuid4().hex
        self._redis_lock = None

    def __bool__(self) -> bool:
        return self.acquired

    def acquire(self) -> bool:
        if settings.REDIS_URL:
            import redis

            client = redis.Redis.from_url(settings.REDIS_URL)
            self._redis_lock = client.lock(self.key, timeout=self.timeout, blocking=False)
            self.acquired = bool(self._redis_lock.acquire(token=self._token))
        else:
            self.acquired = cache.add(self.key, self._token, self.timeout)
        return self.acquired

    def renew(self) -> None:
        """Start the timeout again (the holder is alive)."""
        if not self.acquired:
            return
        if self._redis_lock is not None:
            self._redis_lock.reacquire()
        elif cache.get(self.key) == self._token:
            cache.touch(self.key, self.timeout)

    def release(self) -> None:
        if not self.acquired:
            return
        self.acquired = False
        if self._redis_lock is not None:
            from redis.exceptions import LockError

            try:
                self._redis_lock.release()
            except LockError:
                logger.warning("lock expired before release", extra={"lock": self.key})
            finally:
                self._redis_lock.redis.close()
        elif cache.get(self.key) == self._token:
            cache.delete(self.key)


def renewable_lock(name: str, merchant_id, timeout: int) -> HeldLock:
    """A HeldLock for one merchant (not yet acquired): `lock.acquire()`, `lock.renew()`, `lock.release()`."""
    return HeldLock(merchant_key(f"lock:{name}", merchant_id), timeout)
