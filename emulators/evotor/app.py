"""A stand-in for api.evotor.ru (API v2, read side): plain WSGI, in-memory state, fault knobs.

Follows ../shared/reference/evotor-api.md: v2 Accept header (406 otherwise), Bearer or
X-Authorization token (401 otherwise), stores / product groups / products / product images,
`{"items": [...], "paging": {"next_cursor": ...}}` cursor paging, X-RateLimit-* headers.
"""

import base64
import bisect
import json
import random
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from emulators.evotor.generator import _uuid, generate_catalog, make_product, now_evotor_time
from emulators.evotor.images import picture

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


@dataclass
class _Fault:
    status: int
    times: int
    path: str | None = None  # a substring of the request path; None: any API request
    reset: int = 0  # X-RateLimit-Reset sent with a 429
    malformed: bool = False
    delay: float = 0.0


@dataclass
class _Merchant:
    user_id: str
    seed: int
    stores: dict = field(default_factory=dict)  # store_id -> store
    groups: dict = field(default_factory=dict)  # store_id -> {group_id: group}
    products: dict = field(default_factory=dict)  # store_id -> {product_id: product}
    images: dict = field(default_factory=dict)  # product_id -> [image]
    forbidden: bool = False


class EvotorEmulator:
    """In-memory Evotor cloud. Serve `.wsgi_app`; seed catalogs with `add_merchant`."""

    def __init__(self, page_size: int = 1000, rate_limit: int = 5000, latency: float = 0.0):
        self.page_size = page_size
        self.rate_limit = rate_limit  # only reported in X-RateLimit-Limit/Remaining
        self.latency = latency
        self.base_url = ""  # set by whoever serves the app (the fixture, run_emulators)
        self._lock = threading.RLock()
        self._merchants: dict[str, _Merchant] = {}  # token -> merchant
        self._store_status: dict[str, int] = {}  # store_id -> forced HTTP status (402 ...)
        self._faults: deque[_Fault] = deque()
        self._rate_limit_after: tuple[int, int, int] | None = None  # (after, times, reset)
        self._sorted_ids: dict[int, list[str]] = {}  # paging cache, dropped on writes
        self._image_ids: set[str] = set()
        self.request_counts: Counter = Counter()  # "GET /stores/{store_id}/products" -> n
        self.request_log: list[tuple[str, str, int]] = []  # (method, path, status)
        self.request_count = 0

    # ----- seeding and mutators -------------------------------------------------------------

    def add_merchant(
        self,
        token: str = "tok-1",
        user_id: str = "01-000000000000001",
        seed: int = 1,
        stores: int = 2,
        groups: int = 10,
        products: int = 500,
        image_share: float = 0.05,
    ) -> dict:
        """Generate a catalog (groups and products are per store) and return its ids."""
        merchant = _Merchant(user_id=user_id, seed=seed)
        rng = random.Random(f"images-{seed}")
        for part in generate_catalog(seed=seed, user_id=user_id, stores=stores, groups=groups, products=products):
            store_id = part["store"]["id"]
            merchant.stores[store_id] = part["store"]
            merchant.groups[store_id] = {g["id"]: g for g in part["groups"]}
            merchant.products[store_id] = {p["id"]: p for p in part["products"]}
            for product in part["products"]:
                if rng.random() < image_share:
                    merchant.images[product["id"]] = [self._make_image(rng, merchant, product)]
        with self._lock:
            self._merchants[token] = merchant
            self._sorted_ids.clear()
        return {
            "token": token,
            "user_id": user_id,
            "stores": list(merchant.stores),
            "groups": {s: list(g) for s, g in merchant.groups.items()},
            "products": {s: list(p) for s, p in merchant.products.items()},
            "images": list(merchant.images),
        }

    def _make_image(self, rng: random.Random, merchant: _Merchant, product: dict) -> dict:
        image_id = _uuid(rng)
        extension = "png" if rng.random() < 0.5 else "jpg"
        self._image_ids.add(image_id)
        stamp = now_evotor_time()
        return {
            "id": image_id,
            "url": f"/images/{image_id}.{extension}",  # made absolute per request
            "meta": {"extension": extension, "file_size": 0, "width": 480, "height": 480},
            "product_id": product["id"],
            "store_id": product["store_id"],
            "user_id": merchant.user_id,
            "created_at": stamp,
            "updated_at": stamp,
        }

    def _merchant(self, token: str) -> _Merchant:
        return self._merchants[token]

    def _find(self, token: str, product_id: str) -> tuple[str, dict]:
        for store_id, products in self._merchant(token).products.items():
            if product_id in products:
                return store_id, products
        raise KeyError(product_id)

    def product(self, token: str, product_id: str) -> dict:
        store_id, products = self._find(token, product_id)
        return dict(products[product_id])

    def stores(self, token: str) -> list[dict]:
        return list(self._merchant(token).stores.values())

    def products(self, token: str, store_id: str) -> list[dict]:
        return list(self._merchant(token).products[store_id].values())

    def groups(self, token: str, store_id: str) -> list[dict]:
        return list(self._merchant(token).groups[store_id].values())

    def update_product(self, token: str, product_id: str, **fields) -> dict:
        """Change a product's fields (updated_at moves) and return it."""
        with self._lock:
            _store_id, products = self._find(token, product_id)
            products[product_id] = {**products[product_id], **fields, "updated_at": now_evotor_time()}
            return dict(products[product_id])

    def add_product(self, token: str, store_id: str, /, **fields) -> dict:
        """A new product in `store_id` (generated, then `fields` applied)."""
        with self._lock:
            merchant = self._merchant(token)
            rng = random.Random(f"new-{len(merchant.products[store_id])}-{self.request_count}")
            product = make_product(rng, store_id, merchant.user_id, list(merchant.groups[store_id]), 999999)
            product.update(fields)
            product["store_id"] = store_id
            merchant.products[store_id][product["id"]] = product
            self._sorted_ids.clear()
            return dict(product)

    def remove_product(self, token: str, product_id: str) -> None:
        with self._lock:
            _store_id, products = self._find(token, product_id)
            del products[product_id]
            self._merchant(token).images.pop(product_id, None)
            self._sorted_ids.clear()

    def remove_group(self, token: str, store_id: str, group_id: str) -> None:
        with self._lock:
            del self._merchant(token).groups[store_id][group_id]
            self._sorted_ids.clear()

    def remove_store(self, token: str, store_id: str) -> None:
        with self._lock:
            merchant = self._merchant(token)
            for mapping in (merchant.stores, merchant.groups, merchant.products):
                mapping.pop(store_id, None)
            self._sorted_ids.clear()

    def set_image(self, token: str, product_id: str, seed: str | None = None) -> dict:
        """Give a product a (new) picture; returns the image object."""
        with self._lock:
            merchant = self._merchant(token)
            product = self.product(token, product_id)
            image = self._make_image(random.Random(seed or f"{product_id}-{time.time_ns()}"), merchant, product)
            merchant.images[product_id] = [image]
            return image

    def image_products(self, token: str) -> list[str]:
        return list(self._merchant(token).images)

    # ----- fault knobs ----------------------------------------------------------------------

    def fail_store(self, store_id: str, status: int = 402) -> None:
        """Every request under this store answers `status` (402: app not paid/installed there)."""
        self._store_status[store_id] = status

    def clear_store(self, store_id: str) -> None:
        self._store_status.pop(store_id, None)

    def revoke_token(self, token: str) -> None:
        """The token stops working: 401 from now on."""
        with self._lock:
            self._merchants.pop(token, None)

    def forbid(self, token: str, forbidden: bool = True) -> None:
        """403 for this token (scope missing, app not installed)."""
        self._merchant(token).forbidden = forbidden

    def fail_next(self, status: int, times: int = 1, path: str | None = None, reset: int = 0) -> None:
        """The next `times` API requests (whose path contains `path`) answer `status`."""
        self._faults.append(_Fault(status=status, times=times, path=path, reset=reset))

    def malformed_next(self, times: int = 1, path: str | None = None) -> None:
        """The next `times` answers are 200 with a body that is not JSON."""
        self._faults.append(_Fault(status=200, times=times, path=path, malformed=True))

    def slow_next(self, seconds: float, times: int = 1, path: str | None = None) -> None:
        """The next `times` answers wait `seconds` before answering normally."""
        self._faults.append(_Fault(status=200, times=times, path=path, delay=seconds))

    def rate_limit_after(self, requests: int, times: int = 1, reset: int = 0) -> None:
        """After `requests` more API requests, answer 429 `times` times with X-RateLimit-Reset: `reset`."""
        self._rate_limit_after = (self.request_count + requests, times, reset)

    def clear_faults(self) -> None:
        self._faults.clear()
        self._store_status.clear()
        self._rate_limit_after = None

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
        else:
            route, status, headers, body = self._api(environ, method, path, query)
        with self._lock:
            self.request_count += 1
            self.request_counts[f"{method} {route}"] += 1
            self.request_log.append((method, path, status))
        start_response(f"{status} {REASONS.get(status, 'Status')}", [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _image(self, path: str):
        name = path.rsplit("/", 1)[-1]
        image_id, _, extension = name.partition(".")
        if extension not in ("png", "jpg") or not self._image_exists(image_id):
            return 404, [("Content-Type", "text/plain")], b"not found"
        content_type = "image/png" if extension == "png" else "image/jpeg"
        return 200, [("Content-Type", content_type)], picture(image_id, extension)

    def _image_exists(self, image_id: str) -> bool:
        return image_id in self._image_ids

    def _api(self, environ, method, path, query):
        parts = [p for p in path.split("/") if p]
        route = _route(parts)
        fault = self._take_fault(path)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if V2_JSON not in environ.get("HTTP_ACCEPT", ""):
            return route, *self._error(406, "Accept must be " + V2_JSON)
        merchant = self._authenticate(environ)
        if merchant is None:
            return route, *self._error(401, "Unauthorized")
        if merchant.forbidden:
            return route, *self._error(403, "Forbidden")
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
        return route, 200, self._headers(), json.dumps(payload, ensure_ascii=False).encode()

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            if self._rate_limit_after and self.request_count >= self._rate_limit_after[0]:
                after, times, reset = self._rate_limit_after
                self._rate_limit_after = (after, times - 1, reset) if times > 1 else None
                return _Fault(status=429, times=1, reset=reset)
            for fault in self._faults:
                if fault.path is None or fault.path in path:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _authenticate(self, environ) -> _Merchant | None:
        header = environ.get("HTTP_AUTHORIZATION", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else environ.get("HTTP_X_AUTHORIZATION", "")
        with self._lock:
            return self._merchants.get(token.strip())

    def _headers(self, reset: int = 0):
        remaining = max(0, self.rate_limit - self.request_count % self.rate_limit)
        return [
            ("Content-Type", V2_JSON + "; charset=utf-8"),
            ("X-RateLimit-Limit", str(self.rate_limit)),
            ("X-RateLimit-Remaining", str(0 if reset else remaining)),
            ("X-RateLimit-Reset", str(reset)),
        ]

    def _error(self, status: int, message: str, reset: int = 0):
        # Evotor documents no body for 401/403/404: send none, so clients learn to cope.
        body = b"" if status in (401, 403, 404) else json.dumps({"code": status * 10, "message": message}).encode()
        return status, self._headers(reset=reset if status == 429 else 0), body

    def _dispatch(self, merchant: _Merchant, parts: list[str], query: dict, environ):
        with self._lock:
            if parts == ["stores"]:
                return self._page(merchant.stores, query)
            if len(parts) < 2 or parts[0] != "stores" or parts[1] not in merchant.stores:
                return 404, "Not found"
            store_id = parts[1]
            rest = parts[2:]
            if not rest:
                return 200, merchant.stores[store_id]
            if rest == ["product-groups"]:
                return self._page(merchant.groups[store_id], query)
            if rest[0] == "product-groups" and len(rest) == 2 and rest[1] in merchant.groups[store_id]:
                return 200, merchant.groups[store_id][rest[1]]
            if rest == ["products"]:
                return self._page(merchant.products[store_id], query)
            if rest[0] == "products" and len(rest) >= 2 and rest[1] in merchant.products[store_id]:
                if len(rest) == 2:
                    return 200, merchant.products[store_id][rest[1]]
                if rest[2:] == ["images"]:
                    base = self._base(environ)
                    images = [
                        {**i, "url": base + i["url"], "meta": {**i["meta"], "file_size": _file_size(i)}}
                        for i in merchant.images.get(rest[1], [])
                    ]
                    return 200, {"items": images, "paging": {}}
            return 404, "Not found"

    def _base(self, environ) -> str:
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        return f"{environ.get('wsgi.url_scheme', 'http')}://{host}"

    def _page(self, objects: dict, query: dict) -> tuple[int, dict | str]:
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
        chunk = ids[start : start + self.page_size]
        items = [objects[i] for i in chunk]
        more = start + self.page_size < len(ids)
        paging = {"next_cursor": base64.urlsafe_b64encode(chunk[-1].encode()).decode()} if more and chunk else {}
        return 200, {"items": items, "paging": paging}


def _route(parts: list[str]) -> str:
    """A request path with ids replaced by placeholders, for per-path counting."""
    names = {1: "{store_id}", 3: "{product_id}"}
    if len(parts) > 2 and parts[2] == "product-groups":
        names[3] = "{group_id}"
    return "/" + "/".join(names.get(i, p) if i in names else p for i, p in enumerate(parts))


def _file_size(image: dict) -> int:
    return len(picture(image["id"], image["meta"]["extension"]))
