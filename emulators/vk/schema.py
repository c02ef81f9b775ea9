"""The subset of VK's official API schema (5.199) the emulator serves, and the checks it implies.

The JSON files in `schema/` are copied from VKCOM/vk-api-schema (MIT, see schema/LICENSE):
every market method, `execute`, `groups.getById` and the Callback API's `groups.*Callback*` methods, `users.get`,
`messages.send`, and the error list.
Parameters are validated exactly as the schema states them: required, type, minimum/maximum,
minLength/maxLength (strings counted the way VK stores them: in cp1251, characters outside it
becoming `&#NNNN;`), maxItems for comma-separated lists.
"""

import json
from functools import cache
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
METHOD_FILES = (
    "market_methods.json",
    "execute_methods.json",
    "groups_methods.json",
    "users_methods.json",
    "messages_methods.json",
)


class VkFault(Exception):
    """An API error the emulator answers with: `{"error": {"error_code", "error_msg", ...}}`."""

    def __init__(self, code: int, detail: str = ""):
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}")

    @property
    def message(self) -> str:
        base = error_description(self.code)
        return f"{base}: {self.detail}" if self.detail else base


@cache
def methods() -> dict[str, dict]:
    found = {}
    for name in METHOD_FILES:
        for method in json.loads((SCHEMA_DIR / name).read_text())["methods"]:
            found[method["name"]] = method
    return found


@cache
def _errors_by_code() -> dict[int, str]:
    errors = json.loads((SCHEMA_DIR / "errors.json").read_text())["errors"]
    by_code = {}
    for error in errors.values():
        by_code.setdefault(error["code"], error["description"])
    return by_code


def error_description(code: int) -> str:
    return _errors_by_code().get(code, "Unknown error occurred")


def vk_length(text: str) -> int:
    """Length as VK counts it: cp1251 bytes, characters outside cp1251 stored as HTML entities."""
    return len(text.encode("cp1251", errors="xmlcharrefreplace"))


def _parse_int(name: str, raw) -> int:
    try:
        return int(str(raw).strip())
    except ValueError:
        raise VkFault(100, f"{name} not integer")


def _parse_number(name: str, raw) -> float:
    try:
        return float(str(raw).strip())
    except ValueError:
        raise VkFault(100, f"{name} not number")


def _parse_bool(name: str, raw) -> bool:
    value = str(raw).strip().lower()
    if value in ("1", "true"):
        return True
    if value in ("0", "false", ""):
        return False
    raise VkFault(100, f"{name} should be 0 or 1")


def _check_range(name: str, value, spec: dict):
    if "minimum" in spec and value < spec["minimum"]:
        raise VkFault(100, f"{name} should be greater or equal {spec['minimum']}")
    if "maximum" in spec and value > spec["maximum"]:
        raise VkFault(100, f"{name} should be less or equal {spec['maximum']}")


def _convert(spec: dict, raw):
    name = spec["name"]
    types = spec.get("type")
    types = types if isinstance(types, list) else [types]
    if "integer" in types and "string" in types:
        text = str(raw)
        return int(text) if text.lstrip("-").isdigit() else text
    kind = types[0]
    if kind == "integer":
        value = _parse_int(name, raw)
        _check_range(name, value, spec)
        return value
    if kind == "number":
        value = _parse_number(name, raw)
        _check_range(name, value, spec)
        return value
    if kind == "boolean":
        return _parse_bool(name, raw)
    if kind == "array":
        parts = [p.strip() for p in str(raw).split(",") if p.strip()]
        if "maxItems" in spec and len(parts) > spec["maxItems"]:
            raise VkFault(100, f"{name} should contain at most {spec['maxItems']} items")
        item_spec = dict(spec.get("items") or {"type": "string"}, name=name)
        return [_convert(item_spec, part) for part in parts]
    text = str(raw)
    if "minLength" in spec and vk_length(text) < spec["minLength"]:
        raise VkFault(100, f"{name} should be at least {spec['minLength']} characters")
    if "maxLength" in spec and vk_length(text) > spec["maxLength"]:
        raise VkFault(100, f"{name} should be at most {spec['maxLength']} characters")
    return text


def validate(method: str, params: dict, known_methods: dict | None = None) -> tuple[dict, list[str]]:
    """Check `params` (strings as they came over HTTP) against the schema of `method`.

    Returns (typed values with schema defaults applied, names of parameters the schema does
    not know — VK ignores those, the emulator records them). Raises VkFault(3) for an unknown
    method and VkFault(100) for a missing or invalid parameter. `known_methods` replaces the
    vendored schema (the conformance check passes VK's full schema).
    """
    spec = (methods() if known_methods is None else known_methods).get(method)
    if spec is None:
        raise VkFault(3)
    known = {p["name"]: p for p in spec.get("parameters", [])}
    values = {}
    for name, pspec in known.items():
        raw = params.get(name)
        if raw is None or (raw == "" and pspec.get("type") not in ("string",)):
            if pspec.get("required"):
                raise VkFault(100, f"{name} is undefined")
            if "default" in pspec:
                values[name] = pspec["default"]
            continue
        values[name] = _convert(pspec, raw)
    unknown = sorted(set(params) - set(known) - {"access_token", "v", "lang", "test_mode"})
    return values, unknown


def token_types(method: str) -> list[str]:
    return methods()[method].get("access_token_type", [])
