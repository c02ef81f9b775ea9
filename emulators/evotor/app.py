"""EvotorEmulator: a stand-in for api.evotor.ru (API v2, read side) for tests, the demo and benchmarks; its WSGI routes.

Follows ../shared/reference/evotor-api.md: v2 Accept header (406 otherwise), Bearer or
X-Authorization token (401 otherwise), stores / product groups / products / product images,
`{"items": [...], "paging": {"next_cursor": ...}}` cursor paging, X-RateLimit-* headers.

The emulator is this class plus its mixins: `state.EvotorState` (the catalogs, seeded by `generator`)
and `faults.EvotorFaults` (fault hooks). Pictures come from `images`; `webhooks` plays Evotor calling us.
"""

import base64
import bisect
import json
import threading
import time
from collections import Counter
from urllib.parse import parse_qs

from emulators.evotor.faults import EvotorFaults
from emulators.evotor.images import picture
from emulators.evotor.sales import EvotorSales
from emulators.evotor.state import EvotorState, Merchant

V2_JSON = "application/vnd.evotor.v2+json"
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class EvotorEmulator(EvotorState, EvotorFaults, EvotorSales):
    """In-memory Evotor cloud. Serve `.wsgi_app`; seed catalogs with `add_merchant`."""

    def __init__(self, page_size: int = 1000, rate_limit: int = 5000, latency: float = 0.0):
        self.page_size = page_size
        self.rate_limit = rate_limit  # only reported in X-RateLimit-Limit/Remaining
        self.latency = latency
        self.base_url = ""  # set by whoever serves the app (the fixture, run_emulators)
        self._lock = threading.RLock()
        self.request_counts: Counter = Counter()  # "GET /stores/{store_id}/products" -> n
        self.request_log: list[tuple[str, str, int]] = []  # (method, path, status)
        self.request_count = 0
        self._init_state()
        self._init_faults()
        self._init_sales()

    # ----- WSGI -----------------------------------------------------------------------------

    def wsgi_app(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "/")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if self.latency:
            time.sleep(self.latency)
        if path.startswith("/images/"):
            status, headers, body = self._image(path)
            route = "/images/{id}"
        elif path.startswith("/sales"):
            status, headers, body = self._sales_page(environ, method)
            route = "/sales"
        else:
            route, status, headers, body = self._api(environ, method, path, query)
        with self._lock:
            self.request_count += 1
            self.request_counts[f"{method} {route}"] += 1
            self.request_log.append((method, path, status))
        start_response(f"{status} {REASONS.get(status, 'Status')}", [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _image(self, path: str):
        fault = self._take_image_fault(path)
        if fault is not None:
            return fault.status, [("Content-Type", "text/plain")], b"Injected fault"
        name = path.rsplit("/", 1)[-1]
        image_id, _, extension = name.partition(".")
        if image_id in self._image_bytes:  # a picture a test gave as it is (too small, another format, …)
            return 200, [("Content-Type", f"image/{extension}")], self._image_bytes[image_id]
        if extension not in ("png", "jpg") or not self._image_exists(image_id):
            return 404, [("Content-Type", "text/plain")], b"not found"
        content_type = "image/png" if extension == "png" else "image/jpeg"
        return 200, [("Content-Type", content_type)], picture(image_id, extension, caption=self._caption(image_id))

    def download_image(self, image: dict) -> bytes:
        """The bytes Evotor serves for an image object (what a client downloads from its url)."""
        if image["id"] in self._image_bytes:
            return self._image_bytes[image["id"]]
        return picture(image["id"], image["meta"]["extension"], caption=self._caption(image["id"]))

    def _image_exists(self, image_id: str) -> bool:
        return image_id in self._image_ids

    def _caption(self, image_id: str) -> str:
        return self._image_captions.get(image_id, "")

    def _api(self, environ, method, path, query):
        parts = [p for p in path.split("/") if p]
        route = _route(parts)
        fault = self._take_fault(path)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if V2_JSON not in environ.get("HTTP_ACCEPT", ""):
            return route, *self._error(406, "Accept must be " + V2_JSON)
        if parts[:1] == ["api"]:
            return route, *self._events(environ, parts, query)
        merchant = self._authenticate(environ)
        if merchant is None:
            return route, *self._error(401, "Unauthorized")
        if merchant.forbidden:
            return route, *self._error(403, "Forbidden")
        quota = self._take_quota(self._token(environ))
        if quota is not None and not quota[0]:
            return route, 429, self._quota_headers(quota), json.dumps({"code": 4290, "message": "Rate limit"}).encode()
        if fault and not fault.delay:
            if fault.malformed:
                return route, 200, self._headers(), b'{"items": [{"id": "broken'
            return route, *self._error(fault.status, "Injected fault", reset=fault.reset)
        if method != "GET":
            return route, *self._error(405, "EvoSync's emulator is read-only")
        if len(parts) >= 2 and parts[0] == "stores" and parts[1] in self._store_status:
            return route, *self._error(self._store_status[parts[1]], "Application is not paid for this store")
        status, payload = self._dispatch(merchant, parts, query, environ)
        if status != 200:
            return route, *self._error(status, payload)
        headers = self._quota_headers(quota) if quota is not None else self._headers()
        return route, 200, headers, json.dumps(payload, ensure_ascii=False).encode()

    def _events(self, environ, parts: list[str], query: dict):
        """The Events API, read with the publisher's token."""
        header = environ.get("HTTP_AUTHORIZATION", "")
        if header[7:].strip() != self.publisher_token or not header.lower().startswith("bearer "):
            return self._error(401, "Unauthorized")
        if parts != ["api", "apps", self.app_id, "events"]:
            return self._error(404, "Not found")
        status, payload = self.events_page(query)
        if status != 200:
            return self._error(status, payload)
        return 200, self._headers(), json.dumps(payload, ensure_ascii=False).encode()

    def _sales_page(self, environ, method: str):
        from emulators.evotor.sales_page import sales_page

        return sales_page(self, environ, method)

    def _authenticate(self, environ) -> Merchant | None:
        with self._lock:
            return self._merchants.get(self._token(environ))

    @staticmethod
    def _token(environ) -> str:
        header = environ.get("HTTP_AUTHORIZATION", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else environ.get("HTTP_X_AUTHORIZATION", "")
        return token.strip()

    def _headers(self, reset: int = 0):
        remaining = max(0, self.rate_limit - self.request_count % self.rate_limit)
        return [
            ("Content-Type", V2_JSON + "; charset=utf-8"),
            ("X-RateLimit-Limit", str(self.rate_limit)),
            ("X-RateLimit-Remaining", str(0 if reset else remaining)),
            ("X-RateLimit-Reset", str(reset)),
        ]

    def _quota_headers(self, quota: tuple[bool, int, int]):
        """The headers under the per-token limit (`limit_per_token`): what this token has left, and when more."""
        _allowed, remaining, reset = quota
        return [
            ("Content-Type", V2_JSON + "; charset=utf-8"),
            ("X-RateLimit-Limit", str(self.quota.requests)),
            ("X-RateLimit-Remaining", str(remaining)),
            ("X-RateLimit-Reset", str(reset)),
        ]

    def _error(self, status: int, message: str, reset: int = 0):
        # Evotor documents no body for 401/403/404: send none, so clients learn to cope.
        body = b"" if status in (401, 403, 404) else json.dumps({"code": status * 10, "message": message}).encode()
        return status, self._headers(reset=reset if status == 429 else 0), body

    def _dispatch(self, merchant: Merchant, parts: list[str], query: dict, environ):
        with self._lock:
            if parts == ["stores"]:
                return self._page(merchant.stores, query, path="/stores")
            if len(parts) < 2 or parts[0] != "stores" or parts[1] not in merchant.stores:
                return 404, "Not found"
            store_id = parts[1]
            rest = parts[2:]
            if not rest:
                return 200, merchant.stores[store_id]
            if rest == ["product-groups"]:
                return self._page(merchant.groups[store_id], query, path="/" + "/".join(parts))
            if rest[0] == "product-groups" and len(rest) == 2 and rest[1] in merchant.groups[store_id]:
                return 200, merchant.groups[store_id][rest[1]]
            if rest == ["products"]:
                return self._page(merchant.products[store_id], query, path="/" + "/".join(parts))
            if rest[0] == "products" and len(rest) >= 2 and rest[1] in merchant.products[store_id]:
                if len(rest) == 2:
                    return 200, merchant.products[store_id][rest[1]]
                if rest[2:] == ["images"]:
                    base = self._base(environ)
                    images = [
                        {**i, "url": base + i["url"], "meta": {**i["meta"], "file_size": self._file_size(i)}}
                        for i in merchant.images.get(rest[1], [])
                    ]
                    return 200, {"items": images, "paging": {}}
            return 404, "Not found"

    def _file_size(self, image: dict) -> int:
        if image["id"] in self._image_bytes:
            return len(self._image_bytes[image["id"]])
        return len(picture(image["id"], image["meta"]["extension"], caption=self._caption(image["id"])))

    def _base(self, environ) -> str:
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        return f"{environ.get('wsgi.url_scheme', 'http')}://{host}"

    def _page(self, objects: dict, query: dict, path: str = "") -> tuple[int, dict | str]:
        """One page in id order; the cursor is the last id handed out (opaque to clients)."""
        key = id(objects)  # one dict per merchant/store and kind; the cache is dropped on every write
        ids = self._sorted_ids.get(key)
        if ids is None:
            ids = self._sorted_ids[key] = sorted(objects)
        start = 0
        if query.get("cursor"):
            try:
                after = base64.b64decode(query["cursor"][0].encode(), altchars=b"-_", validate=True).decode()
            except (ValueError, UnicodeDecodeError):
                return 400, "Invalid cursor"
            start = bisect.bisect_right(ids, after)
        failed = self._page_fault(path, start // self.page_size + 1) if path else None
        if failed:
            return failed, "Injected fault on this page"
        chunk = ids[start : start + self.page_size]
        items = [objects[i] for i in chunk]
        more = start + self.page_size < len(ids)
        paging = {"next_cursor": base64.urlsafe_b64encode(chunk[-1].encode()).decode()} if more and chunk else {}
        return 200, {"items": items, "paging": paging}


def _route(parts: list[str]) -> str:
    """A request path with ids replaced by placeholders, for per-path counting."""
    if parts[:2] == ["api", "apps"]:
        return "/api/apps/{app_id}/" + "/".join(parts[3:])
    names = {1: "{store_id}", 3: "{product_id}"}
    if len(parts) > 2 and parts[2] == "product-groups":
        names[3] = "{group_id}"
    return "/" + "/".join(names.get(i, p) if i in names else p for i, p in enumerate(parts))
