"""Does a VK call fit VK's official schema? Used by tests on the emulator's request log.

`official_schema_dir()` finds VK's schema (VKCOM/vk-api-schema, 5.199): $VK_API_SCHEMA_DIR, or
`shared/vk-api-schema` beside the project; `load_methods(dir)` reads every `*/methods.json`
there. Without it, the vendored subset in `emulators/vk/schema/` stands in.
"""

import json
import os
from pathlib import Path

from emulators.vk import schema, vkscript
from emulators.vk.schema import VkFault

PROJECT_DIR = Path(__file__).resolve().parents[2]
ALWAYS_ALLOWED = {"access_token", "v", "lang"}


def official_schema_dir() -> Path | None:
    candidates = [os.environ.get("VK_API_SCHEMA_DIR", "")] + [
        str(base / "shared" / "vk-api-schema") for base in (PROJECT_DIR.parent, PROJECT_DIR.parent.parent)
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "market" / "methods.json").is_file():
            return Path(candidate)
    return None


def load_methods(schema_dir: Path | None) -> dict[str, dict]:
    if schema_dir is None:
        return dict(schema.methods())
    found = {}
    for path in sorted(schema_dir.glob("*/methods.json")):
        for method in json.loads(path.read_text()).get("methods", []):
            found[method["name"]] = method
    return found


def check_call(methods: dict[str, dict], method: str, params: dict) -> list[str]:
    """What is wrong with calling `method` with `params` (strings, as sent), per the schema; [] if nothing."""
    if method not in methods:
        return [f"{method}: not a method of VK API 5.199"]
    if method == "execute":
        return _check_execute(methods, params)
    problems = []
    try:
        _, unknown = schema.validate(method, params, methods)
    except VkFault as fault:
        return [f"{method}: {fault.message}"]
    problems += [f"{method}: parameter {name!r} is not in the schema" for name in unknown if name not in ALWAYS_ALLOWED]
    return problems


def _check_execute(methods: dict, params: dict) -> list[str]:
    problems = [f"execute: parameter {name!r} is not in the schema" for name in set(params) - {"code"} - ALWAYS_ALLOWED]
    try:
        calls, _ = vkscript.parse(params.get("code", ""))
    except VkFault as fault:
        return [*problems, f"execute: {fault.message}"]
    if len(calls) > 25:
        problems.append(f"execute: {len(calls)} calls, VK allows 25")
    for inner, args in calls:
        problems += check_call(methods, inner, {k: vkscript.as_param(v) for k, v in args.items()})
    return problems


def problems_in_log(emu, methods: dict[str, dict]) -> list[str]:
    """Every call in the emulator's request log (execute's inner calls too) checked against `methods`."""
    problems = []
    for entry in emu.request_log:
        if entry.get("http_status"):
            continue
        problems += check_call(methods, entry["method"], entry["params"])
    return problems


def assert_calls_fit_schema(emu) -> None:
    """For tests: fail when any call the emulator saw does not fit VK's official schema."""
    problems = problems_in_log(emu, load_methods(official_schema_dir()))
    assert not problems, "calls that do not fit VK's schema:\n" + "\n".join(problems)
