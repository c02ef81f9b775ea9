"""VkEmulator: a stand-in for api.vk.ru (and VK ID's OAuth) for tests, the demo and benchmarks; its WSGI routes.

Plain WSGI, no Django. `POST /method/<name>` answers like VK: parameters checked against the
official schema, `v` and a token required, VK's envelopes and error codes, a per-token rate
limit (error 6), `execute` with up to 25 calls counted as one request. `POST /upload/market`
is the photo upload server; `/authorize` and `/oauth2/auth` emulate VK ID; `/market-<group_id>` is the
community's shop as a visitor sees it (`shop_page`).

The emulator is this class plus its mixins: `state.VkState` (the data and its set-up) and
`faults.VkFaults` (fault hooks). API methods run in `methods` (variants in `variants`), `execute`'s code is
read by `vkscript`.
Over 300 lines on purpose: one request's path, from routing and admission (token, rate limit,
faults) through `execute` to the answer, plus the upload server that answers beside it.
"""

import hashlib
import hmac
import io
import json
import secrets
import threading
import time
import uuid
from collections import Counter, defaultdict, deque
from urllib.parse import parse_qsl, urlencode

from PIL import Image, UnidentifiedImageError

from emulators.vk import bulk_photos, callbacks, messages, oauth, orders, schema, shop_page, vkscript  # noqa: F401 - handlers
from emulators.vk import variants as _variants  # noqa: F401 - registers the variant methods beside the others
from emulators.vk.faults import VkFaults
from emulators.vk.http import json_response, parse_multipart, raw_response, read_body, request_params
from emulators.vk.methods import HANDLERS, upload_signature
from emulators.vk.schema import VkFault
from emulators.vk.state import Caller, VkState

MIN_PHOTO_SIDE = 400
MAX_PHOTO_SIDES_SUM = 14000
MAX_PHOTO_BYTES = 50 * 1024 * 1024
# VK refuses an `execute` whose answer is too big (error 13, "response size is too big") without saying where
# the line is; 5 MB is a guess (what clients report hitting), a setting of the emulator (None: no limit).
EXECUTE_RESPONSE_LIMIT_BYTES = 5 * 1024 * 1024
TOO_BIG = "response size is too big"  # VkFault puts "Runtime error occurred during code invocation: " before it


def check_photo(content: bytes) -> tuple[int, int] | str:
    """(width, height) of a picture VK's upload server takes, or its error."""
    if len(content) > MAX_PHOTO_BYTES:
        return "ERR_UPLOAD_FILE_TOO_BIG: at most 50 MB"
    try:
        with Image.open(io.BytesIO(content)) as image:
            width, height, kind = image.width, image.height, image.format
    except (UnidentifiedImageError, OSError):
        return "ERR_UPLOAD_FILE_INVALID: not an image"
    if kind not in ("JPEG", "PNG", "GIF"):
        return f"ERR_UPLOAD_FILE_INVALID: {kind} is not JPG, PNG or GIF"
    if width < MIN_PHOTO_SIDE or height < MIN_PHOTO_SIDE:
        return "ERR_UPLOAD_BAD_IMAGE_SIZE: market photo min size 400x400"
    if width + height > MAX_PHOTO_SIDES_SUM:
        return "ERR_UPLOAD_BAD_IMAGE_SIZE: width + height over 14000"
    return width, height


class VkEmulator(VkState, VkFaults):
    """In-memory VK API. Serve `.wsgi_app`; set up users and communities with `add_user` / `add_community`."""

    def __init__(
        self,
        rate_limit_per_second: float | None = 3,
        latency: float = 0.0,
        *,
        execute_limit: int = 25,
        execute_response_limit_bytes: int | None = EXECUTE_RESPONSE_LIMIT_BYTES,
        max_items: int = 15000,
        max_albums: int = 100,
        max_items_per_album: int = 15000,
        oauth_client_id: str | None = None,
        oauth_token_lifetime: int = 3600,
    ):
        self.rate_limit_per_second = rate_limit_per_second
        # VK lets a community's own token make 20 requests a second (a user's: 3); scaled with the user's rate.
        self.community_rate_limit_per_second = rate_limit_per_second * 20 / 3 if rate_limit_per_second else None
        self.latency = latency
        self.execute_limit = execute_limit
        self.execute_response_limit_bytes = execute_response_limit_bytes
        self.max_items = max_items
        self.max_albums = max_albums
        self.max_items_per_album = max_items_per_album
        self.bulk_max_files = 5
        self.oauth_client_id = oauth_client_id
        self.oauth_token_lifetime = oauth_token_lifetime
        self.oauth_user_id: int | None = None
        self.oauth_deny = False
        self.base_url = ""
        self.public_url = "http://127.0.0.1"
        self.secret = secrets.token_bytes(16)
        self.request_log: list[dict] = []
        self.counts: Counter = Counter()
        self.upload_count = 0
        self.rate_limited_count = 0
        self._windows: dict[str, deque] = defaultdict(deque)
        self._lock = threading.RLock()
        self._rate_lock = threading.Lock()
        self._init_state()
        self._init_faults()

    # --- inspection -------------------------------------------------------------------------
    @property
    def request_count(self) -> int:
        return len(self.request_log)

    def methods_called(self) -> list[str]:
        """Every method called, in order, execute's inner calls listed after it."""
        names = []
        for entry in self.request_log:
            names.append(entry["method"])
            names.extend(inner["method"] for inner in entry.get("inner", []))
        return names

    def error_codes_seen(self) -> list[int]:
        return [entry["error_code"] for entry in self.request_log if entry.get("error_code")]

    def reset_log(self) -> None:
        with self._lock:
            self.request_log.clear()
            self.counts.clear()
            self.upload_count = 0
            self.rate_limited_count = 0

    # --- WSGI -------------------------------------------------------------------------------
    def wsgi_app(self, environ, start_response):
        host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
        self.public_url = f"{environ.get('wsgi.url_scheme', 'http')}://{host}"
        path = environ.get("PATH_INFO", "")
        if path.startswith("/method/"):
            return self._api_request(environ, start_response, path[len("/method/") :])
        if path == "/upload/market" and environ["REQUEST_METHOD"] == "POST":
            return self._upload(environ, start_response)
        if path.startswith("/photos/"):
            return self._photo(start_response, path)
        if path.startswith("/market-") and path.endswith("/order") and environ["REQUEST_METHOD"] == "POST":
            return self._order_from_page(environ, start_response, path[len("/market-") : -len("/order")])
        if path.startswith("/market-"):
            return self._shop_page(start_response, path[len("/market-") :], environ.get("QUERY_STRING", ""))
        if path == "/authorize":
            return oauth.authorize(self, environ, start_response)
        if path == "/oauth2/auth" and environ["REQUEST_METHOD"] == "POST":
            return oauth.token(self, environ, start_response)
        return raw_response(start_response, "404 Not Found", b"not found")

    def _api_request(self, environ, start_response, method: str):
        arrived = time.time()
        http_status = self._take_http_fault()
        chaos = self._chaos_fault()
        if chaos == "http_502_before":
            http_status = 502
        entry = {"method": method, "time": arrived, "params": {}, "error_code": None}
        if chaos:
            entry["chaos"] = chaos
        if http_status:
            entry["http_status"] = http_status
            self._log(entry)
            return raw_response(start_response, f"{http_status} Server Error", b"<html>Server error</html>")
        params, problem = request_params(environ)
        due = self._take_request_faults(vkscript.methods_in(method, params))
        paused = False
        try:
            if params is None:
                raise VkFault(8, problem)
            entry["params"] = {k: v for k, v in params.items() if k != "access_token"}
            caller = self._admit(environ, params, arrived)  # checked as the request arrives, like VK
            entry["user_id"] = caller.user_id
            self._pause(due.delay)
            paused = True
            for callback in due.callbacks:
                callback()
            if chaos == "error_10_before":
                raise VkFault(10, "Internal server error")
            if due.error_code:
                raise VkFault(due.error_code, "injected by the emulator")
            payload = self._answer(method, params, caller, entry)
        except VkFault as fault:
            entry["error_code"] = fault.code
            payload = {"error": self._error_body(fault, method, params or {})}
        if not paused:
            self._pause(due.delay)
        if due.lose_answer:
            entry["answer_lost"] = True
        self._log(entry)
        if chaos == "answer_lost_after" or due.lose_answer:
            return raw_response(start_response, "502 Bad Gateway", b"<html>Bad gateway</html>")
        return json_response(start_response, payload)

    def _pause(self, delay: float) -> None:
        if delay + self.latency > 0:
            time.sleep(delay + self.latency)

    def _admit(self, environ, params: dict, arrived: float) -> Caller:
        if not params.get("v"):
            raise VkFault(8, "v (version) is required")
        caller = self._caller(environ, params)
        limit = self.community_rate_limit_per_second if caller.kind == "group" else self.rate_limit_per_second
        self._check_rate(caller.token, arrived, limit)
        return caller

    def _answer(self, method: str, params: dict, caller: Caller, entry: dict) -> dict:
        self._injected_fault("*")
        if method == "execute":
            return self._execute(caller, params, entry)
        return {"response": self.call_method(method, params, caller, entry)}

    def _caller(self, environ, params: dict) -> Caller:
        token = params.get("access_token") or ""
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if not token and auth.lower().startswith("bearer "):
            token = auth[7:].strip()
        if not token:
            raise VkFault(5, "no access_token passed.")
        with self._lock:
            caller = self.tokens.get(token)
            expires = self.token_expires.get(token)
        if caller is None:
            raise VkFault(5, "invalid access_token (4).")
        if expires is not None and expires < time.time():
            raise VkFault(5, "access_token has expired.")
        return caller

    def _check_rate(self, token: str, arrived: float, limit: float | None) -> None:
        if not limit:
            return
        with self._rate_lock:
            window = self._windows[token]
            while window and window[0] <= arrived - 1.0:
                window.popleft()
            if len(window) >= limit:
                self.rate_limited_count += 1
                raise VkFault(6)
            window.append(arrived)

    def call_method(self, method: str, params: dict, caller: Caller, entry: dict):
        """Run one API method (top level or inside execute) and return its `response`."""
        with self._lock:
            self.counts[method] += 1
        self._injected_fault(method)
        values, unknown = schema.validate(method, params)
        if unknown:
            entry.setdefault("unknown_params", []).extend(unknown)
        if caller.kind not in schema.token_types(method):
            if caller.kind == "group":
                raise VkFault(27, "method is unavailable with group auth.")
            raise VkFault(15, "method is unavailable with this token")
        handler = HANDLERS.get(method)
        if handler is None:
            raise VkFault(3, f"{method} is not emulated")
        with self._lock:
            return handler(self, caller, values)

    def _execute(self, caller: Caller, params: dict, entry: dict) -> dict:
        with self._lock:
            self.counts["execute"] += 1
        self._injected_fault("execute")
        calls, as_list = vkscript.parse(params.get("code", ""))
        entry["inner"] = [{"method": m, "params": {k: vkscript.as_param(v) for k, v in a.items()}} for m, a in calls]
        if len(calls) > self.execute_limit:
            raise VkFault(13, f"too many API calls ({len(calls)} > {self.execute_limit})")
        results, errors = [], []
        for inner in entry["inner"]:
            try:
                results.append(self.call_method(inner["method"], inner["params"], caller, inner))
            except VkFault as fault:
                inner["error_code"] = fault.code
                results.append(False)
                errors.append({"method": inner["method"], "error_code": fault.code, "error_msg": fault.message})
        limit = self.execute_response_limit_bytes
        if limit and len(json.dumps(results, ensure_ascii=False).encode()) > limit:
            raise VkFault(13, TOO_BIG)
        payload = {"response": results if as_list else results[0]}
        if errors:
            payload["execute_errors"] = errors
        return payload

    def _error_body(self, fault: VkFault, method: str, params: dict) -> dict:
        shown = [{"key": "method", "value": method}] + [
            {"key": k, "value": str(v)} for k, v in params.items() if k not in ("access_token", "code")
        ]
        body = {"error_code": fault.code, "error_msg": fault.message, "request_params": shown}
        if fault.code == 14:
            body.update({"captcha_sid": "1", "captcha_img": f"{self.public_url}/captcha.jpg"})
        if fault.code == 17:
            body["redirect_uri"] = f"{self.public_url}/validate"
        return body

    def _log(self, entry: dict) -> None:
        with self._lock:
            self.request_log.append(entry)

    # --- photos -----------------------------------------------------------------------------
    def _upload(self, environ, start_response):
        with self._lock:
            self.upload_count += 1
            failure, delay = self._take_upload_fault(), self._take_upload_delay()
        if delay:
            time.sleep(delay)
        if failure:
            return raw_response(start_response, f"{failure} Server Error", b"<html>Upload server error</html>")
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        try:
            group_id, user_id = int(query.get("gid", "")), int(query.get("uid", ""))
        except ValueError:
            return json_response(start_response, {"error": "ERR_UPLOAD_BAD_URL"})
        if query.get("sig") != upload_signature(self, group_id, user_id):
            return json_response(start_response, {"error": "ERR_UPLOAD_BAD_SIGNATURE"})
        content_type = environ.get("CONTENT_TYPE", "")
        fields = parse_multipart(content_type, read_body(environ)) if content_type.startswith("multipart/") else {}
        if query.get("bulk") == "1":
            return json_response(start_response, bulk_photos.upload(self, fields, group_id, user_id, check_photo))
        if "file" not in fields:
            return json_response(start_response, {"error": "ERR_UPLOAD_FILE_NOT_FOUND: field 'file' is required"})
        content = fields["file"][1]
        checked = check_photo(content)
        if isinstance(checked, str):
            return json_response(start_response, {"error": checked})
        width, height = checked
        upload_id = uuid.uuid4().hex
        photo = json.dumps(
            {"upload_id": upload_id, "group_id": group_id, "user_id": user_id, "width": width, "height": height}
        )
        with self._lock:
            self.pending_uploads[upload_id] = content
        digest = hmac.new(self.secret, photo.encode(), hashlib.sha256).hexdigest()
        return json_response(
            start_response, {"server": 1, "photo": photo, "hash": digest, "crop_data": "", "crop_hash": ""}
        )

    def _order_from_page(self, environ, start_response, ref: str):
        """A buyer presses «Заказать» on the shop page: the order is placed, the page says so (POST, redirect, GET)."""
        if not ref.isdigit() or int(ref) not in self.communities:
            return raw_response(start_response, "404 Not Found", b"not found")
        form = dict(parse_qsl(read_body(environ).decode("utf-8", "replace")))
        said = orders.order_from_page(self, int(ref), form)
        location = f"/market-{ref}?{urlencode({'said': said})}"
        return raw_response(start_response, "303 See Other", b"", headers=[("Location", location)])

    def _shop_page(self, start_response, ref: str, query: str = ""):
        """The community's shop as a visitor sees it (shop_page), e.g. /market-1."""
        said = dict(parse_qsl(query)).get("said", "")[:200]
        with self._lock:
            community = self.communities.get(int(ref)) if ref.isdigit() else None
            page = (
                shop_page.render(community, lambda photo_id: f"/photos/{photo_id}.jpg", said=said)
                if community
                else None
            )
        if page is None:
            return raw_response(
                start_response, "404 Not Found", "Нет такого сообщества".encode(), "text/plain; charset=utf-8"
            )
        return raw_response(start_response, "200 OK", page.encode(), "text/html; charset=utf-8")

    def _photo(self, start_response, path: str):
        name = path.rsplit("/", 1)[-1].split(".")[0]
        content = self.photo_bytes.get(int(name)) if name.isdigit() else None
        if content is None:
            return raw_response(start_response, "404 Not Found", b"not found")
        return raw_response(start_response, "200 OK", content, "image/jpeg")
