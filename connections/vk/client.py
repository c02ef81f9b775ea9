"""The only code in EvoSync that talks to VK's API (api.vk.ru); VK ID's OAuth is in `vk_id`.

`VkClient(token).call("market.get", owner_id=-1, count=200)` returns VK's `response`;
`batch([VkCall(...), ...])` packs up to 25 calls into one `execute` and returns a VkResult per
call, in order; `read_batch` does the same for reads, halving the pack when VK finds the answer too big
(error 13) and keeping the smaller pack for the client's life (one connection, one run). Every request
first takes a slot from the per-token rate limiter shared by all processes; transient failures are retried
with a bounded backoff. Tokens never reach the logs.
What VK's errors mean, and the kinds raised: `errors`.
"""

import json
import logging
import mimetypes
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import requests
from django.conf import settings

from connections.ratelimit import (
    RateLimiter,
    RateLimiterError,
    RateLimitWaitTooLong,
    default_rate_limiter,
    token_key,
)
from connections.vk.errors import (
    REFUSED_CODES,
    TRANSIENT_CODES,
    VkApiError,
    VkTransientError,
    VkWaitPastDeadline,
    raise_for_error,
)
from core.metrics import VK_ERRORS, VK_REQUESTS

logger = logging.getLogger(__name__)

EXECUTE_LIMIT = 25
RUNTIME_ERROR = 13  # execute could not run; among its causes "response size is too big"


@dataclass(frozen=True)
class VkCall:
    method: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class VkResult:
    ok: bool
    response: Any = None
    error: VkApiError | None = None


def encode_param(value) -> str | int | float:
    """VK's wire format: lists comma-separated, booleans 0/1, Decimals as plain numbers."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, list | tuple | set):
        return ",".join(str(encode_param(v)) for v in value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    return value


def encode_params(params: dict) -> dict:
    return {name: encode_param(value) for name, value in params.items() if value is not None}


def execute_code(calls: list[VkCall]) -> str:
    """The VKScript program that runs `calls` in order and returns their answers as a list."""
    parts = [f"API.{call.method}({json.dumps(encode_params(call.params), ensure_ascii=False)})" for call in calls]
    return "return [" + ",".join(parts) + "];"


class VkClient:
    def __init__(
        self,
        access_token: str,
        *,
        base_url: str | None = None,
        version: str | None = None,
        session: requests.Session | None = None,
        rate_limiter: RateLimiter | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        backoff: float | None = None,
    ):
        self._token = access_token
        self._key = token_key(access_token)
        self.base_url = (base_url or settings.VK_API_URL).rstrip("/")
        self.version = version or settings.VK_API_VERSION
        self.session = session or requests.Session()
        self.upload_session = requests.Session() if session is None else session  # used from the upload thread
        self.rate_limiter = rate_limiter or default_rate_limiter()
        self.timeout = timeout if timeout is not None else settings.VK_REQUEST_TIMEOUT_SECONDS
        self.max_retries = max_retries if max_retries is not None else settings.VK_MAX_RETRIES
        self.backoff = backoff if backoff is not None else settings.VK_RETRY_BACKOFF_SECONDS
        self.request_count = 0
        self.waited = 0.0  # seconds spent waiting for the rate limiter
        self.method_counts: Counter = Counter()
        self._counting = threading.Lock()  # a sync's photo saves and item writes go out from two threads
        self.reads_per_execute = EXECUTE_LIMIT  # halved for good (on this client) when VK finds an answer too big

    def __repr__(self):
        return f"<VkClient {self.base_url} token=…{self._key[:6]}>"

    def call(self, method: str, **params):
        """One API method; returns VK's `response`. Raises VkApiError and the other VkError kinds."""
        self._count(method)
        payload = self._request(method, encode_params(params))
        if "error" in payload:
            raise_for_error(payload["error"], method)
        return payload.get("response")

    def batch(
        self,
        calls: list[VkCall],
        *,
        per_execute: int = EXECUTE_LIMIT,
        resend_when_unsure: bool = True,
        wait_until: float | None = None,
    ) -> list[VkResult]:
        """Run `calls` through `execute`, `per_execute` (≤ 25) at a time; a VkResult per call, in order.

        `resend_when_unsure=False` is for calls that create things: a request whose answer was lost
        (timeout, 5xx, VK errors 10/36) is not sent again, since VK may have run it; only a request VK
        refused outright (error 6) is. `wait_until` (time.monotonic(), a slice's deadline): no request waits for
        the rate limiter past it; VkWaitPastDeadline instead, before that request is sent.
        """
        per_execute = max(1, min(per_execute, EXECUTE_LIMIT))
        results = []
        for start in range(0, len(calls), per_execute):
            results.extend(self._execute(calls[start : start + per_execute], resend_when_unsure, wait_until))
        return results

    def read_batch(self, calls: list[VkCall]) -> list[VkResult]:
        """Reads (safe to repeat) packed as tightly as VK answers them; a VkResult per call, in order.

        When VK refuses a pack with error 13 (its answer would be too big), the pack is halved and sent again,
        down to one call a request; the size that worked is kept for this client's later reads."""
        results: list[VkResult] = []
        start = 0
        while start < len(calls):
            chunk = calls[start : start + self.reads_per_execute]
            try:
                results.extend(self._execute(chunk, True))
            except VkApiError as error:
                if error.code != RUNTIME_ERROR or len(chunk) == 1:
                    raise
                self.reads_per_execute = max(1, len(chunk) // 2)
                logger.info("VK answer too big for %d reads; %d per execute from now on", len(chunk),
                            self.reads_per_execute)  # fmt: skip
                continue
            start += len(chunk)
        return results

    def _execute(self, calls: list[VkCall], resend_when_unsure: bool, wait_until: float | None = None) -> list:
        code = {"code": execute_code(calls)}
        try:
            payload = self._request("execute", code, resend_when_unsure=resend_when_unsure, wait_until=wait_until)
        except VkWaitPastDeadline:
            raise  # nothing was sent
        except Exception:
            self._count(*(call.method for call in calls), "execute")
            raise
        self._count(*(call.method for call in calls), "execute")
        if "error" in payload:
            raise_for_error(payload["error"], "execute")
        answers = payload.get("response")
        if not isinstance(answers, list) or len(answers) != len(calls):
            raise VkApiError(13, f"execute answered {type(answers).__name__} for {len(calls)} calls", "execute")
        errors = iter(payload.get("execute_errors") or [])  # one entry per failed call, in order
        results = []
        for call, answer in zip(calls, answers, strict=True):
            if answer is not False:
                results.append(VkResult(ok=True, response=answer))
                continue
            error = next(errors, None) or {"error_code": 0, "error_msg": "execute gave no error for a failed call"}
            VK_ERRORS.labels(code=str(error.get("error_code")), method=error.get("method") or call.method).inc()
            try:
                raise_for_error(error, error.get("method") or call.method)
            except VkApiError as exc:
                results.append(VkResult(ok=False, error=exc))
        return results

    def photo_upload_urls(self, group_id: int, count: int, *, bulk: bool = False) -> list[str]:
        """`count` upload addresses for the community's item photos, 25 to an `execute`.

        One per photo, or with `bulk` one per several photos (post_product_photos, save_product_photos_bulk)."""
        params = {"group_id": group_id, "bulk": 1} if bulk else {"group_id": group_id}
        calls = [VkCall("market.getProductPhotoUploadServer", params)] * count
        urls = []
        for result in self.batch(calls):
            if not result.ok:
                raise result.error
            urls.append(result.response["upload_url"])
        return urls

    def upload_product_photo(self, group_id: int, image_bytes: bytes, filename: str, *, upload_url: str = "") -> int:
        """Upload an image for the community's items; return the photo_id for market.add/edit.

        `upload_url` from photo_upload_urls saves the request that would ask for it."""
        if not upload_url:
            upload_url = self.call("market.getProductPhotoUploadServer", group_id=group_id)["upload_url"]
        return self.save_product_photo(self.post_product_photo(upload_url, image_bytes, filename))

    def post_product_photo(self, upload_url: str, image_bytes: bytes, filename: str) -> str:
        """POST the file to the upload server; return its answer for save_product_photo.

        Not an API request (no rate limit, no token), so it may run in another thread while API calls go on:
        it has its own HTTP session."""
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        answer = self._upload(upload_url, {"file": (filename, image_bytes, content_type)})
        try:
            body = answer.json()
        except ValueError:
            raise VkTransientError("upload server answered something that is not JSON")
        if "error" in body:
            raise VkApiError(100, f"upload server refused the photo: {body['error']}", "upload")
        return answer.text

    def post_product_photos(self, upload_url: str, files: list[tuple[bytes, str]], field: str = "file{n}") -> str:
        """POST several files to a bulk upload server (fields `field` numbered from 1); its answer for
        save_product_photos_bulk. Not an API request, like post_product_photo."""
        fields = {}
        for number, (image_bytes, filename) in enumerate(files, start=1):
            content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            fields[field.format(n=number)] = (filename, image_bytes, content_type)
        answer = self._upload(upload_url, fields)
        try:
            body = answer.json()
        except ValueError:
            raise VkTransientError("upload server answered something that is not JSON")
        if "error" in body:
            raise VkApiError(100, f"upload server refused the photos: {body['error']}", "upload")
        return answer.text

    def save_product_photos_bulk(self, upload_response: str, expected: int) -> list[int]:
        """market.saveProductPhotoBulk (one request, never inside execute): the photo ids, in the files' order.

        An answer with another number of photos than `expected` is an error (VkApiError): the caller falls back."""
        self._count("market.saveProductPhotoBulk")
        payload = self._request(
            "market.saveProductPhotoBulk", encode_params({"upload_response": upload_response}), resend_when_unsure=False
        )
        if "error" in payload:
            raise_for_error(payload["error"], "market.saveProductPhotoBulk")
        answer = payload.get("response")
        if not isinstance(answer, list) or len(answer) != expected:
            raise VkApiError(100, f"saveProductPhotoBulk answered {answer!r:.80} for {expected} photos", "bulk")
        return [int(photo["photo_id"]) for photo in answer]

    def save_product_photo(self, upload_response: str) -> int:
        """market.saveProductPhoto (one request: the reference says never inside execute); the photo_id.

        An upload response is saved once: when the answer is lost it is not sent again (VK refuses a reused
        one); the VkTransientError tells the caller to upload the picture afresh."""
        self._count("market.saveProductPhoto")
        payload = self._request(
            "market.saveProductPhoto", encode_params({"upload_response": upload_response}), resend_when_unsure=False
        )
        if "error" in payload:
            raise_for_error(payload["error"], "market.saveProductPhoto")
        return int(payload["response"]["photo_id"])

    def _count(self, *methods: str) -> None:
        with self._counting:
            self.method_counts.update(methods)

    def _upload(self, url: str, files: dict) -> requests.Response:
        """POST the file to VK's upload server, retrying network trouble and HTTP 5xx (bounded)."""
        for attempt in range(self.max_retries + 1):
            VK_REQUESTS.labels(method="upload").inc()
            try:
                return self._send(url, "upload", files=files, session=self.upload_session)
            except VkTransientError:
                if attempt == self.max_retries:
                    raise
                time.sleep(min(self.backoff * 2**attempt, 60.0))
        raise VkTransientError("upload: no attempt made")

    def _request(
        self, method: str, params: dict, *, resend_when_unsure: bool = True, wait_until: float | None = None
    ) -> dict:
        """POST one API request (rate-limited, retried while transient); VK's JSON envelope."""
        data = {**params, "access_token": self._token, "v": self.version}
        attempts = 0
        for attempt in range(self.max_retries + 1):
            attempts += 1
            try:
                waited = self._wait_for_turn(wait_until)
            except RateLimitWaitTooLong as exc:
                if wait_until is not None:
                    raise VkWaitPastDeadline(exc.wait) from None
                raise VkTransientError(str(exc))
            except RateLimiterError as exc:
                raise VkTransientError(str(exc))
            with self._counting:
                self.request_count += 1
                self.waited += waited or 0.0
            VK_REQUESTS.labels(method=method).inc()
            try:
                response = self._send(f"{self.base_url}/method/{method}", method, data=data)
                payload = response.json()
            except (VkTransientError, ValueError) as exc:
                problem, refused = str(exc) or "bad JSON", False
            else:
                code = (payload.get("error") or {}).get("error_code")
                if code is not None:
                    VK_ERRORS.labels(code=str(code), method=method).inc()
                if code not in TRANSIENT_CODES:
                    return payload
                problem, refused = f"VK error {code}", code in REFUSED_CODES
            if attempt == self.max_retries or not (refused or resend_when_unsure):
                break
            delay = min(self.backoff * 2**attempt, 60.0)
            logger.warning("VK %s failed (%s); retry %d in %.1fs", method, problem, attempt + 1, delay)
            time.sleep(delay)
        raise VkTransientError(f"VK {method}: {problem} after {attempts} attempt(s)")

    def _wait_for_turn(self, wait_until: float | None) -> float:
        """The token's turn in the rate limiter (seconds waited); never past `wait_until`."""
        if wait_until is None:
            return self.rate_limiter.acquire(self._key)
        return self.rate_limiter.acquire(self._key, max_wait=max(0.0, wait_until - time.monotonic()))

    def _send(self, url: str, what: str, *, session=None, **kwargs) -> requests.Response:
        try:
            response = (session or self.session).post(url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            VK_ERRORS.labels(code="network", method=what).inc()
            raise VkTransientError(f"network error calling {what}: {type(exc).__name__}")
        if response.status_code >= 500:
            VK_ERRORS.labels(code=f"http_{response.status_code}", method=what).inc()
            raise VkTransientError(f"HTTP {response.status_code} from {what}")
        return response
