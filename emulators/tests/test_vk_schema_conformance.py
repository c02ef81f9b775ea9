"""The emulator fits VK's official API schema (5.199); EvoSync's own calls are checked in connections/tests."""

import json
import re
from pathlib import Path

import pytest

from emulators.vk import conformance
from emulators.vk.methods import HANDLERS

OFFICIAL = conformance.official_schema_dir()
needs_official = pytest.mark.skipif(OFFICIAL is None, reason="VK's official schema (shared/vk-api-schema) not found")
LIMIT_KEYS = ("type", "required", "minimum", "maximum", "minLength", "maxLength", "maxItems", "default", "items")


def parameters(spec: dict) -> dict:
    return {p["name"]: {k: p.get(k) for k in LIMIT_KEYS} for p in spec.get("parameters", [])}


@needs_official
def test_every_method_the_emulator_serves_is_official_with_the_same_parameters():
    official = conformance.load_methods(OFFICIAL)
    vendored = conformance.load_methods(None)
    for name in [*HANDLERS, "execute"]:
        assert name in official, name
        assert parameters(vendored[name]) == parameters(official[name]), name
        assert vendored[name].get("access_token_type") == official[name].get("access_token_type"), name


@needs_official
def test_emulator_error_codes_are_official():
    errors = json.loads((OFFICIAL / "errors.json").read_text())["errors"]
    official_codes = {e["code"] for e in errors.values()}
    source = "".join(p.read_text() for p in (Path(conformance.__file__).parent).glob("*.py"))
    used = {int(code) for code in re.findall(r"VkFault\((\d+)", source)}
    assert used and used <= official_codes, used - official_codes


def test_the_check_catches_calls_that_do_not_fit():
    methods = conformance.load_methods(OFFICIAL)
    assert conformance.check_call(methods, "market.add", {"owner_id": "-1", "name": "Чай"})  # short, no description
    assert conformance.check_call(methods, "market.get", {"owner_id": "-1", "count": "500"})
    assert conformance.check_call(methods, "market.get", {"owner_id": "-1", "colour": "red"})
    assert conformance.check_call(methods, "photos.getMarketUploadServer", {"group_id": "1"})  # removed in 2024
    code = "return [" + ",".join(['API.market.get({"owner_id": -1, "count": 201})'] * 2) + "];"
    assert len(conformance.check_call(methods, "execute", {"code": code})) == 2
    assert conformance.check_call(methods, "market.get", {"owner_id": "-1", "count": "200", "extended": "1"}) == []
