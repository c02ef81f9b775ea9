"""The filesystem broker (the demo without Redis), with messages that appear whole.

kombu's filesystem transport creates a message's file and then writes it; a worker polling the folder in between
takes the empty file, fails to decode it ("Unrecoverable error: JSONDecodeError") and stops — the message is
lost with it. Here a message is written under a name the reader skips and renamed into place when complete
(`os.replace` is atomic on one file system), so the reader only ever sees whole messages.
"""

import os
import uuid
from time import monotonic

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f"partial-{name}.part")  # not `<stamp>_<id>.<queue>.msg`
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


EVENTS_EXCHANGE = "celeryev"


def forget_event_listeners(folder: str | os.PathLike) -> int:
    """Unbind every listener of the workers' events (Flower's queue) and delete the events kept for them; how many
    files went.

    The filesystem transport never drops a fanout binding whose consumer went away, so after Flower stops, every
    heartbeat (each 2 s) and task event is still written to its queue, and the files pile up. The demo calls this
    before it starts the worker and Flower, when nobody listens yet."""
    folder = os.fspath(folder)
    removed = 0
    binding = os.path.join(folder, "control", f"{EVENTS_EXCHANGE}.exchange")
    if os.path.exists(binding):
        os.remove(binding)
        removed += 1
    for name in os.listdir(folder) if os.path.isdir(folder) else []:
        if f".{EVENTS_EXCHANGE}." in name and name.endswith(".msg"):
            os.remove(os.path.join(folder, name))
            removed += 1
    return removed
