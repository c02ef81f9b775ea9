"""The Evotor cloud API client (v2, read side): the only code in EvoSync that calls Evotor.

Plain data in, plain data out, typed errors that say whether retrying can help.
Tokens never reach a log line or an exception message.
"""

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings

from connections.ratelimit import (
    RateLimiter,
    RateLimiterError,
    RateLimitWaitTooLong,
    evotor_rate_limiter,
    token_key,
)
from core.metrics import EVOTOR_ERRORS, EVOTOR_REQUESTS

logger = logging.getLogger(__name__)

V2_JSON = "application/vnd.evotor.v2+json"
RETRY_STATUSES = {429, 500, 502, 503, 504}
PICTURE = "picture"  # a product picture's download, wherever it is
ID_SEGMENT = re.compile(r"/(stores|products|product-groups)/[^/]+")
_FROM_SETTINGS = object()


class EvotorError(Exception):
    """Something went wrong talking to Evotor. `reason` is shown to the merchant (Russian).

    `permanent`: the connection cannot be used until the merchant acts (connections.state marks it broken)."""

    permanent = False

    def __init__(self, reason: str, *, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status


class EvotorAuthError(EvotorError):
    """401/403: the token is wrong, expired, lacks a scope, or the app was removed. Retrying won't help."""

    permanent = True


class EvotorStoreUnavailable(EvotorError):
    """402: the app is not paid for or not installed on this store's devices. Skip the store."""


class EvotorTransientError(EvotorError):
    """429, 5xx, network trouble or a broken answer, still there after the retries. Try again later."""


class EvotorWaitPastDeadline(EvotorError):
    """The token's turn in the pacer would come after the caller's deadline (`wait_until`): nothing was sent; or
    the answer did not come by the caller's deadline for it (`read_until`): it was given up, `wait` 0.
    `wait`: seconds until the turn."""

    def __init__(self, wait: float):
        super().__init__("Очередь запросов к Эвотору дойдёт до этого запроса позже.")
        self.wait = wait


class EvotorRequestError(EvotorError):
    """Any other 4xx (400, 404, 406, 413): a request EvoSync should not have made as it did.

    Not `permanent`: the token and the connection are fine; the refresh fails and is tried again later."""


_local = threading.local()


def shared_session() -> requests.Session:
    """One keep-alive session per thread (requests' Session is not guaranteed thread-safe)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


def _auth_reason(status: int) -> str:
    if status == 401:
        return (
            "Эвотор не принял токен (401): токен неверный или устарел. "
            "Переустановите приложение или вставьте новый токен."
        )
    return "Эвотор запретил доступ (403): у приложения нет нужных прав или оно удалено из магазина."


class EvotorClient:
    """Talks to the Evotor cloud with one merchant's token. Lists are read through every page."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str | None = None,
        session: requests.Session | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        backoff: float | None = None,
        max_wait: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        pacer: RateLimiter | None = _FROM_SETTINGS,
    ):
        self._token = token
        self._key = token_key(token, "evotor")
        # Every API request of this token waits for its turn (EVOTOR_RATE_LIMIT_PER_SECOND, all processes), and
        # for the reset Evotor named when it said nothing is left (X-RateLimit-Remaining: 0).
        self.pacer = evotor_rate_limiter() if pacer is _FROM_SETTINGS else pacer
        self.base_url = (base_url or settings.EVOTOR_API_URL).rstrip("/")
        self.session = session or shared_session()
        self.timeout = timeout if timeout is not None else settings.EVOTOR_TIMEOUT_SECONDS
        self.max_retries = max_retries if max_retries is not None else settings.EVOTOR_MAX_RETRIES
        self.backoff = backoff if backoff is not None else settings.EVOTOR_RETRY_BACKOFF_SECONDS
        self.max_wait = max_wait if max_wait is not None else settings.EVOTOR_MAX_RETRY_WAIT_SECONDS
        self.sleep = sleep
        self.request_count = 0
        # A worker task's deadline (time.monotonic()): no request waits for its turn in the pacer past it
        # (EvotorWaitPastDeadline instead: the task ends, and its next one waits in the queue, not in a slot).
        self.wait_until: float | None = None
        # A judged step's deadline: no API answer is awaited past it (EvotorWaitPastDeadline(0): a GET, made again
        # by the next task). None: an answer is awaited up to `timeout`. Not for a picture's download: its body is
        # streamed after `_send`, where a timeout would read as a failed download, not as the deadline.
        self.read_until: float | None = None

    def __repr__(self):
        return f"<EvotorClient {self.base_url}>"  # never the token

    # ----- the catalog ----------------------------------------------------------------------

    def stores(self) -> list[dict]:
        return list(self._items("/stores"))

    def store(self, store_id: str) -> dict:
        return self._get_json(f"/stores/{quote(store_id)}")

    def product_group_pages(self, store_id: str) -> Iterator[list[dict]]:
        return self._pages(f"/stores/{quote(store_id)}/product-groups")

    def product_groups(self, store_id: str) -> Iterator[dict]:
        for page in self.product_group_pages(store_id):
            yield from page

    def product_pages(self, store_id: str) -> Iterator[list[dict]]:
        """Products one page (up to ~1000) at a time, for bulk upserts."""
        return self._pages(f"/stores/{quote(store_id)}/products")

    def product_page(self, store_id: str, cursor: str = "") -> tuple[list[dict], str]:
        """One page of products from `cursor` ("" for the first) and the next page's cursor ("" after the last):
        a read cut between two tasks goes on from where it stopped (`catalog.services`)."""
        return self._page(f"/stores/{quote(store_id)}/products", cursor=cursor)

    def products(self, store_id: str) -> Iterator[dict]:
        for page in self.product_pages(store_id):
            yield from page

    def product(self, store_id: str, product_id: str) -> dict:
        return self._get_json(f"/stores/{quote(store_id)}/products/{quote(product_id)}")

    def product_images(self, store_id: str, product_id: str) -> list[dict]:
        return list(self._items(f"/stores/{quote(store_id)}/products/{quote(product_id)}/images"))

    def download(self, url: str) -> bytes:
        """The bytes behind an image URL (no token is sent: the URL may point at another host)."""
        response = self._send(url, headers={}, stream=True, resource=PICTURE)
        try:
            chunks, size = [], 0
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > settings.EVOTOR_IMAGE_MAX_BYTES:
                    raise EvotorRequestError("Картинка товара в Эвоторе слишком большая.")
                chunks.append(chunk)
            return b"".join(chunks)
        except requests.RequestException as exc:
            raise EvotorTransientError("Картинка товара не скачалась из Эвотора.") from exc
        finally:
            response.close()

    def event_pages(self, app_id: str, *, since_ms: int, until_ms: int) -> Iterator[list[dict]]:
        """The Events API's product events of our application in [since, until) (the publisher's token)."""
        params = {"type": "Product", "since": since_ms, "until": until_ms}
        return self._pages(f"/api/apps/{quote(app_id)}/events", params=params)

    def check(self) -> int:
        """How many stores the token sees (raises EvotorError when it does not work)."""
        return len(self.stores())

    # ----- paging ---------------------------------------------------------------------------

    def _items(self, path: str) -> Iterator[dict]:
        for page in self._pages(path):
            yield from page

    def _pages(self, path: str, params: dict | None = None) -> Iterator[list[dict]]:
        """Follow `paging.next_cursor` until a page without one (bounded by EVOTOR_MAX_PAGES)."""
        cursor = ""
        for _ in range(settings.EVOTOR_MAX_PAGES):
            items, cursor = self._page(path, params, cursor=cursor)
            yield items
            if not cursor:
                return
        raise EvotorTransientError("Список в Эвоторе не закончился за разумное число страниц.")

    def _page(self, path: str, params: dict | None = None, *, cursor: str = "") -> tuple[list[dict], str]:
        """One page from `cursor` and the next page's cursor ("" when this page is the last)."""
        body = self._get_json(path, params={**(params or {}), **({"cursor": cursor} if cursor else {})} or None)
        if isinstance(body, list):  # tolerate an unwrapped list
            return body, ""
        items = body.get("items")
        if not isinstance(items, list):
            raise EvotorTransientError("Эвотор прислал ответ без списка.")
        return items, str((body.get("paging") or {}).get("next_cursor") or "")

    # ----- one request with retries ---------------------------------------------------------

    def _get_json(self, path: str, params: dict | None = None):
        headers = {"Accept": V2_JSON, "Authorization": f"Bearer {self._token}"}
        for attempt in range(self.max_retries + 1):
            response = self._send(self.base_url + path, headers=headers, params=params, resource=api_resource(path))
            try:
                return response.json()
            except ValueError:
                logger.warning("evotor answered malformed json", extra={"path": path, "attempt": attempt})
                if attempt >= self.max_retries:
                    raise EvotorTransientError("Эвотор прислал повреждённый ответ.", status=response.status_code)
                self.sleep(self._backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, url: str, *, headers: dict, resource: str, params: dict | None = None, stream: bool = False):
        """GET with retries on 429/5xx/network errors; raises a typed EvotorError otherwise.

        `resource` names the request in the metrics: an API path without ids, or PICTURE."""
        path = urlsplit(url).path  # never the query: signed picture URLs carry credentials there
        for retry in range(self.max_retries + 1):
            if resource != PICTURE:  # a picture's download carries no token and is not counted by Evotor's limit
                self._wait_for_turn()
            self.request_count += 1
            EVOTOR_REQUESTS.labels(resource=resource).inc()
            timeout = self._read_timeout() if resource != PICTURE else self.timeout  # not a download: read_until
            try:
                response = self.session.get(
                    url, headers=headers, params=params, timeout=(min(5.0, timeout), timeout), stream=stream
                )
            except requests.RequestException as exc:
                if isinstance(exc, requests.Timeout) and timeout < self.timeout:
                    raise EvotorWaitPastDeadline(0.0) from None  # cut at the caller's deadline, not Evotor's fault
                EVOTOR_ERRORS.labels(resource=resource, status="network").inc()
                logger.warning("evotor request failed", extra={"path": path, "error": type(exc).__name__})
                if retry >= self.max_retries:
                    raise EvotorTransientError("Эвотор не отвечает. Попробуем позже.") from None
                self.sleep(self._backoff(retry))
                continue
            status = response.status_code
            if status < 400:
                self._heed_limits(response)
                return response
            response.close()
            EVOTOR_ERRORS.labels(resource=resource, status=str(status)).inc()
            level = logging.DEBUG if status == 402 else logging.INFO  # 402 is expected: a store not paid for
            logger.log(level, "evotor answered %s", status, extra={"path": path, "status": status})
            if status in (401, 403):
                raise EvotorAuthError(_auth_reason(status), status=status)
            if status == 402:
                raise EvotorStoreUnavailable(
                    "Магазин недоступен (402): приложение не оплачено или не установлено на его кассах.", status=402
                )
            if status not in RETRY_STATUSES:
                raise EvotorRequestError(f"Эвотор отклонил запрос (HTTP {status}).", status=status)
            wait = self._retry_wait(response, retry)
            if retry >= self.max_retries or wait > self.max_wait:
                if status == 429:
                    raise EvotorTransientError("Эвотор ограничил частоту запросов (429). Продолжим позже.", status=429)
                raise EvotorTransientError(f"Эвотор временно недоступен (HTTP {status}).", status=status)
            self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _read_timeout(self) -> float:
        """Seconds an answer is awaited: `timeout`, or less so as to end by `read_until` (at least 0.05 s)."""
        if self.read_until is None:
            return self.timeout
        return min(self.timeout, max(0.05, self.read_until - time.monotonic()))

    def _wait_for_turn(self) -> None:
        if self.pacer is None:
            return
        max_wait = self.max_wait
        if self.wait_until is not None:
            max_wait = min(max_wait, max(0.0, self.wait_until - time.monotonic()))
        try:
            self.pacer.acquire(self._key, max_wait=max_wait)
        except RateLimitWaitTooLong as error:
            if self.wait_until is not None:
                raise EvotorWaitPastDeadline(error.wait) from None
            raise EvotorTransientError("Эвотор: очередь запросов слишком длинная. Продолжим позже.") from None
        except RateLimiterError:
            raise EvotorTransientError("Эвотор: очередь запросов слишком длинная. Продолжим позже.") from None

    def _heed_limits(self, response: requests.Response) -> None:
        """Evotor said this token has no request left until the reset: no request of it goes out before then,
        from any process (the pacer's pause)."""
        if response.headers.get("X-RateLimit-Remaining", "").strip() != "0" or self.pacer is None:
            return
        reset = _reset_seconds(response)
        if reset:
            logger.info("evotor quota used until its reset", extra={"seconds": reset})
            try:
                self.pacer.pause(self._key, min(reset, self.max_wait))
            except RateLimiterError as error:
                logger.warning("evotor pause not recorded", extra={"error": str(error)})

    def _backoff(self, retry: int) -> float:
        return self.backoff * (2**retry)

    def _retry_wait(self, response: requests.Response, retry: int) -> float:
        """Seconds to wait: X-RateLimit-Reset (or Retry-After) on a 429 when given, else exponential backoff."""
        if response.status_code == 429:
            reset = _reset_seconds(response)
            if reset:
                return reset
        return self._backoff(retry)


def _reset_seconds(response: requests.Response) -> float | None:
    """Seconds until Evotor's limit resets: X-RateLimit-Reset (seconds; an epoch timestamp is tolerated), else
    Retry-After (seconds); None when neither says."""
    for header in ("X-RateLimit-Reset", "Retry-After"):
        try:
            reset = float(response.headers.get(header, ""))
        except ValueError:
            continue
        if reset > 1_000_000_000:  # tolerate an epoch timestamp instead of seconds
            reset = reset - time.time()
        if reset > 0:
            return reset
    return None


def api_resource(path: str) -> str:
    """An API path as a metrics label: its ids left out (`/stores/{id}/products`), so the labels stay few."""
    return ID_SEGMENT.sub(r"/\1/{id}", urlsplit(path).path)


def parse_evotor_time(value) -> datetime | None:
    """Evotor's `2018-07-09T11:46:52.024+0000`, an ISO string, or milliseconds since the epoch; None if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
