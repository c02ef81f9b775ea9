"""VkEmulator: a stand-in for api.vk.ru (and VK ID's OAuth) for tests, the demo and benchmarks.

Plain WSGI, no Django. `POST /method/<name>` answers like VK: parameters checked against the
official schema, `v` and a token required, VK's envelopes and error codes, a per-token rate
limit (error 6), `execute` with up to 25 calls counted as one request. `POST /upload/market`
is the photo upload server; `/authorize` and `/oauth2/auth` emulate VK ID.
"""

import hashlib
import hmac
import io
import json
import random
import secrets
import threading
import time
import uuid
from collections import Counter, defaultdict, deque
from decimal import Decimal
from urllib.parse import parse_qsl

from PIL import Image, UnidentifiedImageError

from emulators.vk import oauth, schema, vkscript
from emulators.vk.http import json_response, parse_multipart, raw_response, read_body, request_params
from emulators.vk.methods import HANDLERS, Caller, upload_signature
from emulators.vk.schema import VkFault
from emulators.vk.shop import Album, Community, Item

MIN_PHOTO_SIDE = 400
CHAOS_FAULTS = ("http_502_before", "error_10_before", "answer_lost_after")
MAX_PHOTO_SIDES_SUM = 14000
MAX_PHOTO_BYTES = 50 * 1024 * 1024


class VkEmulator:
    def __init__(
        self,
        rate_limit_per_second: float | None = 3,
        latency: float = 0.0,
        *,
        execute_limit: int = 25,
        execute_response_limit_bytes: int | None = None,
        max_items: int = 15000,
        max_albums: int = 100,
        max_items_per_album: int = 15000,
        oauth_client_id: str | None = None,
        oauth_token_lifetime: int = 3600,
    ):
        self.rate_limit_per_second = rate_limit_per_second
        self.latency = latency
        self.execute_limit = execute_limit
        self.execute_response_limit_bytes = execute_response_limit_bytes
        self.max_items = max_items
        self.max_albums = max_albums
        self.max_items_per_album = max_items_per_album
        self.oauth_client_id = oauth_client_id
        self.oauth_token_lifetime = oauth_token_lifetime
        self.oauth_user_id: int | None = None
        self.oauth_deny = False
        self.base_url = ""
        self.public_url = "http://127.0.0.1"
        self.secret = secrets.token_bytes(16)
        self.communities: dict[int, Community] = {}
        self.users_by_id: dict[int, dict] = {}
        self.tokens: dict[str, Caller] = {}
        self.token_expires: dict[str, float] = {}
        self.photos = {}
        self.photo_bytes: dict[int, bytes] = {}
        self.pending_uploads: dict[str, bytes] = {}
        self.next_photo_id = 1
        self.oauth_codes: dict[str, dict] = {}
        self.refresh_tokens: dict[str, dict] = {}
        self.request_log: list[dict] = []
        self.counts: Counter = Counter()
        self.upload_count = 0
        self.rate_limited_count = 0
        self._faults: dict[str, deque] = defaultdict(deque)
        self._http_faults: deque = deque()
        self._upload_faults: deque = deque()
        self._delays: deque = deque()
        self._windows: dict[str, deque] = defaultdict(deque)
        self._chaos: tuple[float, random.Random] | None = None
        self._lock = threading.RLock()
        self._rate_lock = threading.Lock()

    # --- set-up -----------------------------------------------------------------------------
    def add_user(self, token: str = "vk-tok", user_id: int = 1, name: str = "Иван Петров") -> Caller:
        with self._lock:
            self.users_by_id[user_id] = {"id": user_id, "name": name}
            caller = Caller(token=token, kind="user", user_id=user_id)
            self.tokens[token] = caller
            if self.oauth_user_id is None:
                self.oauth_user_id = user_id
            return caller

    def add_community(
        self,
        group_id: int = 1,
        name: str = "Магазин",
        screen_name: str | None = None,
        admins=(1,),
        market_enabled: bool = True,
    ) -> Community:
        with self._lock:
            community = Community(
                group_id=group_id,
                name=name,
                screen_name=screen_name or f"club{group_id}",
                admins=set(admins),
                market_enabled=market_enabled,
            )
            self.communities[group_id] = community
            return community

    def add_album(self, group_id: int, title: str, **fields) -> int:
        """Set-up shortcut (no API call, not logged): an album made in VK's interface."""
        with self._lock:
            shop = self.communities[group_id].shop
            album = Album(id=shop.next_album_id, group_id=group_id, title=title, **fields)
            shop.next_album_id += 1
            shop.albums[album.id] = album
            return album.id

    def add_item(self, group_id: int, title: str, *, price="100", album_ids=(), **fields) -> int:
        """Set-up shortcut (no API call, not logged): an item made in VK's interface."""
        with self._lock:
            shop = self.communities[group_id].shop
            fields.setdefault("description", f"{title}: описание товара")
            fields.setdefault("category_id", 101)
            item = Item(id=shop.next_item_id, group_id=group_id, title=title, price=Decimal(str(price)), **fields)
            item.album_ids = list(album_ids)
            shop.next_item_id += 1
            shop.items[item.id] = item
            return item.id

    def add_community_token(self, token: str, group_id: int) -> None:
        """A community (group) token: VK refuses it for market methods (error 27)."""
        with self._lock:
            self.tokens[token] = Caller(token=token, kind="group", group_id=group_id)

    def find_community(self, ref) -> Community | None:
        text = str(ref).strip().lower()
        if text.lstrip("-").isdigit():
            return self.communities.get(abs(int(text)))
        for prefix in ("https://vk.com/", "https://vk.ru/", "vk.com/", "club", "public"):
            if text.startswith(prefix) and text[len(prefix) :].isdigit():
                return self.communities.get(int(text[len(prefix) :]))
        return next((c for c in self.communities.values() if c.screen_name.lower() == text), None)

    def shop(self, group_id: int):
        return self.communities[group_id].shop

    # --- faults -----------------------------------------------------------------------------
    def fail_next(self, method: str, error_code: int, times: int = 1) -> None:
        """The next `times` calls of `method` fail with VK error `error_code`.

        Counts calls inside execute too; "*" matches any request (before execute runs)."""
        with self._lock:
            self._faults[method].extend([error_code] * times)

    def http_error_next(self, status: int = 502, times: int = 1) -> None:
        with self._lock:
            self._http_faults.extend([status] * times)

    def upload_error_next(self, status: int = 502, times: int = 1) -> None:
        """The next photo uploads to the upload server answer HTTP `status`."""
        with self._lock:
            self._upload_faults.extend([status] * times)

    def delay_next(self, seconds: float, times: int = 1) -> None:
        """The next requests wait `seconds` before answering (the client's timeout trips)."""
        with self._lock:
            self._delays.extend([seconds] * times)

    def chaos(self, rate: float, *, seed: int = 0) -> None:
        """From now on a share `rate` of API requests goes wrong at random (0 stops it), reproducibly by `seed`.

        Each fault is one of: HTTP 502 before VK does anything, VK error 10 (internal) before it, or the
        answer lost after VK did the work (HTTP 502 where the answer should be): the case that makes twins
        if a client sends a create again."""
        with self._lock:
            self._chaos = (rate, random.Random(seed)) if rate > 0 else None

    def _chaos_fault(self) -> str | None:
        with self._lock:
            if self._chaos is None:
                return None
            rate, rng = self._chaos
            if rng.random() >= rate:
                return None
            return rng.choice(CHAOS_FAULTS)

    def delete_item_by_hand(self, group_id: int, item_id: int) -> None:
        """The merchant deleted the item in VK's interface: gone for good (calls on it answer 1403)."""
        with self._lock:
            self.communities[group_id].shop.items.pop(item_id)

    def revoke_token(self, token: str) -> None:
        with self._lock:
            self.tokens.pop(token, None)

    def expire_token(self, token: str) -> None:
        with self._lock:
            self.token_expires[token] = time.time() - 1

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
        if path == "/authorize":
            return oauth.authorize(self, environ, start_response)
        if path == "/oauth2/auth" and environ["REQUEST_METHOD"] == "POST":
            return oauth.token(self, environ, start_response)
        return raw_response(start_response, "404 Not Found", b"not found")

    def _api_request(self, environ, start_response, method: str):
        arrived = time.time()
        with self._lock:
            http_status = self._http_faults.popleft() if self._http_faults else None
            delay = self._delays.popleft() if self._delays and not http_status else 0.0
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
        paused = False
        try:
            if params is None:
                raise VkFault(8, problem)
            entry["params"] = {k: v for k, v in params.items() if k != "access_token"}
            caller = self._admit(environ, params, arrived)  # checked as the request arrives, like VK
            entry["user_id"] = caller.user_id
            self._pause(delay)
            paused = True
            if chaos == "error_10_before":
                raise VkFault(10, "Internal server error")
            payload = self._answer(method, params, caller, entry)
        except VkFault as fault:
            entry["error_code"] = fault.code
            payload = {"error": self._error_body(fault, method, params or {})}
        if not paused:
            self._pause(delay)
        self._log(entry)
        if chaos == "answer_lost_after":
            return raw_response(start_response, "502 Bad Gateway", b"<html>Bad gateway</html>")
        return json_response(start_response, payload)

    def _pause(self, delay: float) -> None:
        if delay + self.latency > 0:
            time.sleep(delay + self.latency)

    def _admit(self, environ, params: dict, arrived: float) -> Caller:
        if not params.get("v"):
            raise VkFault(8, "v (version) is required")
        caller = self._caller(environ, params)
        self._check_rate(caller.token, arrived)
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

    def _check_rate(self, token: str, arrived: float) -> None:
        limit = self.rate_limit_per_second
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

    def _injected_fault(self, method: str) -> None:
        with self._lock:
            queue = self._faults.get(method)
            code = queue.popleft() if queue else None
        if code:
            raise VkFault(code, "injected by the emulator")

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
            raise VkFault(13, "response size is too big")
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
            failure = self._upload_faults.popleft() if self._upload_faults else None
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
        if "file" not in fields:
            return json_response(start_response, {"error": "ERR_UPLOAD_FILE_NOT_FOUND: field 'file' is required"})
        content = fields["file"][1]
        if len(content) > MAX_PHOTO_BYTES:
            return json_response(start_response, {"error": "ERR_UPLOAD_FILE_TOO_BIG: at most 50 MB"})
        try:
            with Image.open(io.BytesIO(content)) as image:
                width, height, kind = image.width, image.height, image.format
        except (UnidentifiedImageError, OSError):
            return json_response(start_response, {"error": "ERR_UPLOAD_FILE_INVALID: not an image"})
        if kind not in ("JPEG", "PNG", "GIF"):
            return json_response(start_response, {"error": f"ERR_UPLOAD_FILE_INVALID: {kind} is not JPG, PNG or GIF"})
        if width < MIN_PHOTO_SIDE or height < MIN_PHOTO_SIDE:
            return json_response(start_response, {"error": "ERR_UPLOAD_BAD_IMAGE_SIZE: market photo min size 400x400"})
        if width + height > MAX_PHOTO_SIDES_SUM:
            return json_response(start_response, {"error": "ERR_UPLOAD_BAD_IMAGE_SIZE: width + height over 14000"})
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

    def _photo(self, start_response, path: str):
        name = path.rsplit("/", 1)[-1].split(".")[0]
        content = self.photo_bytes.get(int(name)) if name.isdigit() else None
        if content is None:
            return raw_response(start_response, "404 Not Found", b"not found")
        return raw_response(start_response, "200 OK", content, "image/jpeg")
