"""`messages.send` in the emulator: a community writes to a user who allowed it (else error 901).

`random_id` makes a resend a no-op, as in VK: the same (recipient, random_id) answers the first message's id.
Set-up: `allow_messages(emu, group_id, user_id)`; what was sent: `community.messages`.
"""

import itertools
import time
from dataclasses import dataclass, field

from emulators.vk.methods import handler
from emulators.vk.schema import VkFault

_message_ids = itertools.count(1)


@dataclass
class Message:
    id: int
    peer_id: int
    text: str
    random_id: int
    date: int = field(default_factory=lambda: int(time.time()))


def allow_messages(emu, group_id: int, user_id: int) -> None:
    """The user pressed «Разрешить сообщения» in the community (no API call)."""
    with emu._lock:
        emu.communities[group_id].messages_allowed.add(user_id)


@handler("messages.send")
def messages_send(emu, caller, v):
    if caller.kind != "group":
        raise VkFault(15, "the emulator sends messages from communities only")
    community = emu.communities[caller.group_id]
    if v.get("group_id") and v["group_id"] != community.group_id:
        raise VkFault(100, "group_id is invalid")
    peer_id = v.get("peer_id") or v.get("user_id")
    if not peer_id:
        raise VkFault(100, "peer_id is undefined")
    if not v.get("message") and not v.get("attachment"):
        raise VkFault(100, "message is undefined")
    if peer_id not in emu.users_by_id:
        raise VkFault(100, "peer_id is invalid")
    if peer_id not in community.messages_allowed:
        raise VkFault(901)
    random_id = v.get("random_id") or 0
    if random_id:
        sent = next((m for m in community.messages if m.peer_id == peer_id and m.random_id == random_id), None)
        if sent is not None:
            return sent.id
    message = Message(id=next(_message_ids), peer_id=peer_id, text=v.get("message", ""), random_id=random_id)
    community.messages.append(message)
    return message.id
