"""The community's Callback API in the emulator: servers, their confirmation, and VK's deliveries with retries.

`groups.addCallbackServer` / `editCallbackServer` queue a `confirmation` request; the server is "ok" once it
answers the community's confirmation string. Events (`emit`) go to every confirmed server that switched them
on (`groups.setCallbackSettings`), each with its `event_id` and the server's `secret`; an answer other than
the plain text `ok` (or none) is tried again, up to `ATTEMPTS` times, with the same `event_id`, as VK does (a
confirmation left unanswered too; one answered wrongly fails the server).

Deliveries wait in a queue: `deliver_callbacks(emu, post=…)` sends them from the caller's thread (tests pass
Django's test client), `start_delivery(emu)` from a thread of the emulator over HTTP (the demo, the bench).
Fault hook: `lose_callback_answers(emu, n)` — the next n answers are lost on VK's side (a timeout), so VK
sends the same event again even though it was taken.
"""

import json
import secrets
import threading
import time
import urllib.request
import uuid
from collections import deque
from dataclasses import dataclass, field

from emulators.vk.methods import handler, is_admin
from emulators.vk.schema import VkFault

ATTEMPTS = 5
MAX_SERVERS = 10
EVENT_VERSION = "5.199"


@dataclass
class CallbackServer:
    id: int
    url: str
    title: str
    secret_key: str = ""
    status: str = "unconfigured"  # "ok" once it answered the confirmation string, "failed" when it did not
    events: set[str] = field(default_factory=set)
    api_version: str = EVENT_VERSION


@dataclass
class Delivery:
    group_id: int
    server_id: int
    body: dict
    attempts: int = 0
    not_before: float = 0.0


def _queue(emu) -> deque:
    if not hasattr(emu, "callback_queue"):
        emu.callback_queue = deque()
        emu.callback_log = []
        emu.callback_lost_answers = 0
        emu.callback_retry_delay = 1.0
        emu.callback_wakeup = threading.Condition(emu._lock)
    return emu.callback_queue


def add_callback_server(emu, group_id: int, url: str, *, secret_key: str = "", events=(), confirmed=True) -> int:
    """Set-up shortcut (no API call): a server the merchant added and confirmed in VK's interface."""
    with emu._lock:
        community = emu.communities[group_id]
        server = _new_server(community, url, "EvoSync", secret_key)
        server.events = set(events)
        server.status = "ok" if confirmed else "unconfigured"
        return server.id


def lose_callback_answers(emu, times: int = 1) -> None:
    with emu._lock:
        _queue(emu)
        emu.callback_lost_answers += times


def emit(emu, community, event_type: str, obj: dict) -> None:
    """An event of the community for every confirmed server that wants it (called under the emulator's lock)."""
    queue = _queue(emu)
    event = {"type": event_type, "event_id": uuid.uuid4().hex, "v": EVENT_VERSION, "object": obj}
    event["group_id"] = community.group_id
    for server in community.callback_servers.values():
        if server.status == "ok" and event_type in server.events:
            body = dict(event, secret=server.secret_key) if server.secret_key else dict(event)
            queue.append(Delivery(group_id=community.group_id, server_id=server.id, body=body))
    emu.callback_wakeup.notify_all()


def _confirm(emu, community, server: CallbackServer) -> None:
    queue = _queue(emu)
    if not community.confirmation_code:
        community.confirmation_code = secrets.token_hex(4)
    body = {"type": "confirmation", "group_id": community.group_id, "event_id": uuid.uuid4().hex, "v": EVENT_VERSION}
    server.status = "unconfigured"
    queue.append(Delivery(group_id=community.group_id, server_id=server.id, body=body))
    emu.callback_wakeup.notify_all()


def http_post(url: str, body: dict, timeout: float = 10.0) -> str | None:
    """VK's request: JSON in the body; the answer's text, or None when there was none (error, timeout, not 200)."""
    request = urllib.request.Request(
        url, data=json.dumps(body, ensure_ascii=False).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - loopback, by design
            return answer.read().decode("utf-8", "replace") if answer.status == 200 else None
    except OSError:
        return None


def deliver_one(emu, delivery: Delivery, post) -> bool:
    """Send one delivery; True when it is finished (answered as VK wants, or out of attempts)."""
    with emu._lock:
        community = emu.communities.get(delivery.group_id)
        server = community.callback_servers.get(delivery.server_id) if community else None
    if server is None:
        return True
    delivery.attempts += 1
    answer = post(server.url, delivery.body)
    with emu._lock:
        lost = emu.callback_lost_answers > 0 and delivery.body["type"] != "confirmation"
        if lost:
            emu.callback_lost_answers -= 1
        emu.callback_log.append(
            {
                "event_id": delivery.body["event_id"],
                "type": delivery.body["type"],
                "attempt": delivery.attempts,
                "answer": None if lost else answer,
                "time": time.time(),
            }  # fmt: skip
        )
        if delivery.body["type"] == "confirmation" and answer is not None:
            server.status = "ok" if answer.strip() == community.confirmation_code else "failed"
            return True
    if not lost and (answer or "").strip() == "ok":
        return True
    return delivery.attempts >= ATTEMPTS


def deliver_callbacks(emu, post=http_post, *, rounds: int = ATTEMPTS) -> int:
    """Send every queued delivery from this thread, retries at once; how many requests were made."""
    queue = _queue(emu)
    sent = 0
    for _ in range(rounds):
        with emu._lock:
            batch = list(queue)
            queue.clear()
        if not batch:
            break
        for delivery in batch:
            sent += 1
            if not deliver_one(emu, delivery, post):
                with emu._lock:
                    queue.append(delivery)
    return sent


def start_delivery(emu, post=http_post, *, workers: int = 4) -> threading.Event:
    """Deliver in background threads, as VK does, retrying after `callback_retry_delay`; set the event to stop."""
    stop = threading.Event()
    queue = _queue(emu)

    def work():
        while not stop.is_set():
            with emu._lock:
                now = time.time()
                delivery = next((d for d in queue if d.not_before <= now), None)
                if delivery is None:
                    emu.callback_wakeup.wait(timeout=0.2)
                    continue
                queue.remove(delivery)
            if not deliver_one(emu, delivery, post):
                delivery.not_before = time.time() + emu.callback_retry_delay * 2 ** (delivery.attempts - 1)
                with emu._lock:
                    queue.append(delivery)

    for _ in range(workers):
        threading.Thread(target=work, daemon=True, name="vk-callbacks").start()
    return stop


def _community(emu, caller, group_id: int):
    community = emu.communities.get(group_id)
    if community is None:
        raise VkFault(100, "group_id is invalid")
    if not is_admin(caller, community):
        raise VkFault(15, "no access to this community's settings")
    return community


def _new_server(community, url: str, title: str, secret_key: str) -> CallbackServer:
    if len(community.callback_servers) >= MAX_SERVERS:
        raise VkFault(2000)
    server = CallbackServer(id=community.next_callback_server_id, url=url, title=title, secret_key=secret_key)
    community.next_callback_server_id += 1
    community.callback_servers[server.id] = server
    return server


def _server(community, server_id: int) -> CallbackServer:
    server = community.callback_servers.get(server_id)
    if server is None:
        raise VkFault(104)
    return server


@handler("groups.getCallbackConfirmationCode")
def groups_get_confirmation_code(emu, caller, v):
    community = _community(emu, caller, v["group_id"])
    if not community.confirmation_code:
        community.confirmation_code = secrets.token_hex(4)
    return {"code": community.confirmation_code}


@handler("groups.addCallbackServer")
def groups_add_callback_server(emu, caller, v):
    community = _community(emu, caller, v["group_id"])
    server = _new_server(community, v["url"], v["title"], v.get("secret_key", ""))
    _confirm(emu, community, server)
    return {"server_id": server.id}


@handler("groups.editCallbackServer")
def groups_edit_callback_server(emu, caller, v):
    community = _community(emu, caller, v["group_id"])
    server = _server(community, v["server_id"])
    server.url, server.title, server.secret_key = v["url"], v["title"], v.get("secret_key", server.secret_key)
    _confirm(emu, community, server)
    return 1


@handler("groups.deleteCallbackServer")
def groups_delete_callback_server(emu, caller, v):
    community = _community(emu, caller, v["group_id"])
    _server(community, v["server_id"])
    del community.callback_servers[v["server_id"]]
    return 1


@handler("groups.getCallbackServers")
def groups_get_callback_servers(emu, caller, v):
    community = _community(emu, caller, v["group_id"])
    wanted = set(v.get("server_ids") or community.callback_servers)
    servers = [s for s in community.callback_servers.values() if s.id in wanted]
    items = [
        {
            "id": s.id,
            "title": s.title,
            "creator_id": caller.user_id or 0,
            "url": s.url,
            "secret_key": s.secret_key,
            "status": s.status,
        }  # fmt: skip
        for s in servers
    ]
    return {"count": len(items), "items": items}


@handler("groups.setCallbackSettings")
def groups_set_callback_settings(emu, caller, v):
    community = _community(emu, caller, v["group_id"])
    server = _server(community, v.get("server_id", 0))
    server.api_version = v.get("api_version", server.api_version)
    for name, on in v.items():
        if isinstance(on, bool):
            (server.events.add if on else server.events.discard)(name)
    return 1
