"""Reading what Evotor sends: the body and its fields, refused in Evotor's error format when they cannot be used.

Whatever arrives — any size, nesting, number or text — either becomes a JSON object whose every value the
database can store, or a `WebhookError`. Nothing here touches the database.
"""

import json
import math
import re

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.validators import validate_email
from django.http import UnreadablePostError

from webhooks import errors

MAX_BODY = 64 * 1024
# MariaDB's JSON stores 32 levels and the event bodies are stored as they came; Evotor's own bodies use 4.
MAX_DEPTH = 16
# Evotor's user ids look like `01-000000000000001` (older ones: a UUID): ASCII letters, digits, `-` and `_`.
USER_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,63}")
# Evotor's cloud token goes into an Authorization header: visible ASCII only.
CLOUD_TOKEN = re.compile(r"[\x21-\x7e]{1,1000}")
SEQUENCE = re.compile(r"[0-9]{1,19}")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def too_large() -> errors.WebhookError:
    return errors.WebhookError(400, errors.SYNTAX, f"body too large (over {MAX_BODY} bytes)")


def read_body(request, *, allow_list: bool = False) -> dict | list:
    """The request's JSON object (or list, where Evotor may send one), refused (400, code 2001) when too large,
    unreadable, too deep or unstorable."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise errors.WebhookError(400, errors.SYNTAX, "bad Content-Length") from None
    if declared > MAX_BODY:
        raise too_large()  # before reading: Django would refuse past DATA_UPLOAD_MAX_MEMORY_SIZE with HTML
    try:
        raw = request.body
    except RequestDataTooBig:
        raise too_large() from None
    except UnreadablePostError:
        raise errors.WebhookError(400, errors.SYNTAX, "body could not be read") from None
    if len(raw) > MAX_BODY:
        raise too_large()
    try:
        body = json.loads(raw or b"null", parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise errors.WebhookError(400, errors.SYNTAX, "body is nested too deeply") from None
    except ValueError:  # includes UnicodeDecodeError and numbers too long to read
        raise errors.WebhookError(400, errors.SYNTAX, "body is not JSON") from None
    if not isinstance(body, dict) and not (allow_list and isinstance(body, list)):
        raise errors.WebhookError(400, errors.SYNTAX, "body must be a JSON object")
    _check_storable(body)
    return body


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("number out of range")
    return number


def _check_storable(body: dict | list) -> None:
    """Every level and every text of the body, without recursion: shallow enough, and valid Unicode."""
    stack = [(body, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise errors.WebhookError(400, errors.SYNTAX, f"body is nested too deeply (over {MAX_DEPTH} levels)")
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(key)
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _check_text(value)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (`"\ud800"`): no database column stores it
        raise errors.WebhookError(400, errors.SYNTAX, "body holds invalid Unicode") from None


def _present(body: dict, names: tuple[str, ...]) -> tuple[str, object] | None:
    for name in names:
        if name in body and body[name] not in (None, ""):
            return name, body[name]
    return None


def text(body: dict, *names: str, required: bool = True, max_length: int = 64) -> str | None:
    """The first present field among `names` (old and new spellings): a string (or integer) without control
    characters or surrounding spaces, at most `max_length` long — as openapi.yaml describes it (a value it calls
    broken is refused, not quietly trimmed)."""
    found = _present(body, names)
    if found is None:
        if required:
            raise errors.missing(names[0])
        return None
    name, value = found
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise errors.invalid(name)
    value = str(value)
    if not value or value != value.strip() or len(value) > max_length or CONTROL.search(value):
        raise errors.invalid(name)
    return value


def user_id(body: dict, *names: str) -> str:
    """Evotor's user id (`userId`, or the older `userUuid`), exactly as Evotor shapes it: never blank, never
    padded, no control characters, so one Evotor user is one row."""
    names = names or ("userId", "userUuid")
    found = _present(body, names)
    if found is None:
        raise errors.missing(names[0])
    for name in names:  # every spelling sent is checked, not only the one read
        value = body.get(name)
        if value in (None, ""):
            continue
        if isinstance(value, bool) or not isinstance(value, str | int) or not USER_ID.fullmatch(str(value)):
            raise errors.invalid(name, "not an Evotor user id")
    return str(found[1])


def cloud_token(body: dict) -> str:
    found = _present(body, ("token",))
    if found is None:
        raise errors.missing("token")
    value = found[1]
    if not isinstance(value, str) or not CLOUD_TOKEN.fullmatch(value):
        raise errors.invalid("token", "not an Evotor token")
    return value


def email(body: dict) -> str | None:
    """The optional email (any spelling of `email`), one valid address that fits the account's column."""
    key = next((k for k in body if k.lower() == "email"), None)
    if key is None or body[key] in (None, ""):
        return None
    value = body[key]
    if not isinstance(value, str) or len(value) > 254 or CONTROL.search(value):
        raise errors.invalid(key, "invalid email")
    try:
        validate_email(value)
    except ValidationError:
        raise errors.invalid(key, "invalid email") from None
    return value.strip().lower()


def password(body: dict) -> str:
    value = body.get("password")
    if value in (None, ""):
        raise errors.missing("password")
    if not isinstance(value, str) or len(value) > 4096:
        raise errors.invalid("password")
    return value


def sequence_number(body: dict) -> int:
    """`sequenceNumber`: a whole number from 0 that fits a 64-bit column, as a number or as ASCII digits."""
    value = body.get("sequenceNumber")
    if value is None:
        raise errors.missing("sequenceNumber")
    if isinstance(value, str) and SEQUENCE.fullmatch(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise errors.invalid("sequenceNumber")
    return value
