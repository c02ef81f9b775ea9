"""The naive way, as common plugins sync a shop: one API request per operation, nothing batched.

`naive_steps` unpacks a phase's VK requests (as logged by the emulator) into the same work done one
call at a time: every call inside an `execute` becomes a request of its own, `market.addToAlbum` adds
one item per request, and a photo is still getProductPhotoUploadServer + upload + saveProductPhoto.
`run_naive` (in a worker process) sends those steps with the same `VkClient.call()` under the same rate
limiter, to a twin emulator holding the shop as it was before the phase, so the calls are valid.

When a phase needs more naive requests than the budget, each kind of step is measured on its first
steps (in order, so the items they touch exist) and the wall time is extrapolated per kind; the
output says so (`naive_sampled`, `naive_measured_requests`).
"""

import json
import math
import time
from collections import Counter
from pathlib import Path

PHOTO = "photo"  # one step: server + upload + save (2 API requests)
REQUESTS_PER_STEP = {PHOTO: 2}
FULL_KIND_SHARE = 0.1  # kinds this small (against the budget) are always sent in full


def _params(params: dict) -> dict:
    return {name: value for name, value in params.items() if name not in ("v", "access_token")}


def naive_steps(entries: list[dict]) -> list[dict]:
    """[{kind, params}] in the order EvoSync did the work; kind is a method name or PHOTO."""
    steps, memberships = [], []
    for entry in entries:
        if entry.get("error_code") == 6:  # refused by the rate limit: a retry follows in the log
            continue
        method = entry["method"]
        if method == "execute":
            for inner in entry.get("inner", []):
                if inner["method"] == "market.addToAlbum":
                    for item_id in str(inner["params"].get("item_ids", "")).split(","):
                        memberships.append({**_params(inner["params"]), "item_ids": item_id})
                else:
                    steps.append({"kind": inner["method"], "params": _params(inner["params"])})
        elif method == "market.saveProductPhoto":
            steps.append({"kind": PHOTO, "params": {}})
        elif method == "market.saveProductPhotoBulk":  # the naive way has no bulk: one photo step per photo
            steps += [{"kind": PHOTO, "params": {}}] * photos_in_bulk(entry["params"].get("upload_response", ""))
        elif method != "market.getProductPhotoUploadServer":  # part of the PHOTO step
            steps.append({"kind": method, "params": _params(entry["params"])})
    memberships.sort(key=lambda params: int(params["item_ids"] or 0))  # item by item, as created
    return steps + [{"kind": "market.addToAlbum", "params": params} for params in memberships]


def photos_in_bulk(upload_response: str) -> int:
    """How many photos one bulk save held (the VK emulator's upload answer lists them)."""
    try:
        return len(json.loads(json.loads(upload_response)["photo"])["photos"])
    except (ValueError, KeyError, TypeError):
        return 1


def naive_request_count(steps: list[dict]) -> int:
    return sum(REQUESTS_PER_STEP.get(step["kind"], 1) for step in steps)


def sample(steps: list[dict], budget: int) -> list[dict]:
    """The steps to send: all of them within the budget, else the first ones of each kind, in proportion."""
    total = naive_request_count(steps)
    if not budget or total <= budget:
        return steps
    kinds = Counter(step["kind"] for step in steps)
    small = {k for k, n in kinds.items() if n * REQUESTS_PER_STEP.get(k, 1) <= budget * FULL_KIND_SHARE}
    small_requests = sum(kinds[k] * REQUESTS_PER_STEP.get(k, 1) for k in small)
    share = max(0.0, budget - small_requests) / max(1, total - small_requests)
    quota = {k: (n if k in small else max(1, math.ceil(n * share))) for k, n in kinds.items()}
    chosen = []
    for step in steps:
        if quota[step["kind"]] > 0:
            quota[step["kind"]] -= 1
            chosen.append(step)
    return chosen


def run_naive(client, steps: list[dict], *, group_id: int, photo: Path, known_photos: list[int]) -> dict:
    """Send `steps` one request each; per kind: steps sent, API requests, wall seconds, errors."""
    from connections.vk.errors import VkError

    content = photo.read_bytes()
    photos = list(known_photos)
    per_kind: dict[str, dict] = {}
    for step in steps:
        kind, params = step["kind"], dict(step["params"])
        figures = per_kind.setdefault(kind, {"steps": 0, "requests": 0, "wall_s": 0.0, "errors": 0})
        if params.get("main_photo_id") and photos and int(params["main_photo_id"]) not in photos:
            params["main_photo_id"] = photos[-1]  # a sampled run skipped that photo: any uploaded one costs the same
        before = client.request_count
        start = time.perf_counter()
        try:
            if kind == PHOTO:
                photos.append(client.upload_product_photo(group_id, content, photo.name))
            else:
                client.call(kind, **params)
        except VkError:
            figures["errors"] += 1
        figures["wall_s"] += time.perf_counter() - start
        figures["steps"] += 1
        figures["requests"] += client.request_count - before
    return per_kind


def extrapolate(steps: list[dict], per_kind: dict) -> dict:
    """naive_requests (all steps), naive_wall_s (measured, or per kind scaled to all its steps)."""
    kinds = Counter(step["kind"] for step in steps)
    wall, measured, sampled = 0.0, 0, False
    for kind, count in kinds.items():
        done = per_kind.get(kind, {}).get("steps", 0)
        measured += per_kind.get(kind, {}).get("requests", 0)
        if done:
            wall += per_kind[kind]["wall_s"] * count / done
        sampled |= done < count
    return {
        "naive_requests": naive_request_count(steps),
        "naive_wall_s": wall,
        "naive_sampled": sampled,
        "naive_measured_requests": measured,
        "naive_errors": sum(figures["errors"] for figures in per_kind.values()),
    }
