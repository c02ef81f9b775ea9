"""Pictures: the ones VK lacks are sent in the background (`PhotoUploads`) while the sync prepares its items,
and each uploaded picture is recorded once per community (`VkPhoto`), reused by every item that shows it.

Two helper threads and no database: one downloads each picture and POSTs it to VK's upload server (not an
API request, so not rate-limited), the other asks for upload addresses (25 to an `execute`) and saves the
uploaded photos (`market.saveProductPhoto`, one rate-limited request each) one after another. The sync's own
thread meanwhile writes its item links, then takes the outcomes in order and records them.
"""

import contextvars
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from connections.vk.errors import VkApiError, VkConnectionBroken, VkTransientError
from vksync.applying.context import Context
from vksync.applying.mapping import record_batch
from vksync.models import VkPhoto

BATCH = 25
PER_PHOTO_ERRORS = (VkApiError, OSError, ValueError)  # this picture fails; the others go on (VK down stops the run)
_DONE = object()


class PhotoUploads:
    """Start with the photo operations to send; iterate `outcomes()` for (operation, photo_id, error)."""

    def __init__(self, *, client, group_id: int, load_photo: Callable, ops: list):
        self.client, self.group_id, self.load_photo, self.ops = client, group_id, load_photo, ops
        self._outcomes: queue.Queue = queue.Queue()
        self._stopped = threading.Event()
        self._poster = ThreadPoolExecutor(max_workers=1, thread_name_prefix="photo-post")
        self._saver = threading.Thread(
            target=contextvars.copy_context().run, args=(self._send_all,), name="photo-save", daemon=True
        )
        self._saver.start()

    def outcomes(self) -> Iterator[tuple]:
        """(op, photo_id, None) or (op, None, error) as each photo is done; raises what stopped the uploads."""
        while True:
            outcome = self._outcomes.get()
            if outcome is _DONE:
                return
            op, photo_id, error = outcome
            if op is None:
                raise error
            yield op, photo_id, error

    def stop(self) -> None:
        """No new request goes out; wait for the one under way."""
        self._stopped.set()
        self._saver.join()

    # --- in the helper threads --------------------------------------------------------------------------------
    def _send_all(self) -> None:
        try:
            for start in range(0, len(self.ops), BATCH):
                if self._stopped.is_set():
                    break
                self._send_chunk(self.ops[start : start + BATCH])
        except BaseException as error:  # noqa: BLE001 - handed to the sync's thread, which raises it
            self._outcomes.put((None, None, error))
        finally:
            self._poster.shutdown(wait=True, cancel_futures=True)
            self._outcomes.put(_DONE)

    def _send_chunk(self, chunk: list) -> None:
        try:
            urls = self.client.photo_upload_urls(self.group_id, len(chunk))
        except VkConnectionBroken:
            raise
        except VkApiError as error:
            for op in chunk:
                self._outcomes.put((op, None, error))
            return
        posts = [
            self._poster.submit(contextvars.copy_context().run, self._post, op, url)
            for op, url in zip(chunk, urls, strict=True)
        ]
        for op, post in zip(chunk, posts, strict=True):
            if self._stopped.is_set():
                return
            try:
                photo_id = self._save(op, post.result())
            except VkConnectionBroken:
                raise
            except PER_PHOTO_ERRORS as error:
                self._outcomes.put((op, None, error))
                continue
            self._outcomes.put((op, photo_id, None))

    def _save(self, op, upload_response: str) -> int:
        """Save an uploaded picture; when the answer is lost, upload it afresh once (a response is saved once)."""
        try:
            return self.client.save_product_photo(upload_response)
        except VkTransientError:
            if self._stopped.is_set():
                raise
            fresh_url = self.client.photo_upload_urls(self.group_id, 1)[0]
            return self.client.save_product_photo(self._post(op, fresh_url))

    def _post(self, op, upload_url: str) -> str:
        content, filename = self.load_photo(op.photo_sha)
        return self.client.post_product_photo(upload_url, content, filename)


def start(ctx: Context, ops: list) -> PhotoUploads | None:
    """Start uploading the photos VK lacks (each picture once), in the background."""
    todo = list({op.photo_sha: op for op in ops if op.photo_sha not in ctx.photo_ids}.values())
    if not todo:
        return None
    return PhotoUploads(client=ctx.client, group_id=ctx.group_id, load_photo=ctx.load_photo, ops=todo)


def record(ctx: Context, uploads: PhotoUploads | None) -> None:
    """Record each upload's outcome as it comes: the photo id for the community, or the error for the item."""
    for op, photo_id, error in uploads.outcomes() if uploads else ():
        if error is not None:
            record_batch({}, [ctx.error(op, error, None)])
            continue
        VkPhoto.objects.get_or_create(group_id=ctx.group_id, sha256=op.photo_sha, defaults={"photo_id": photo_id})
        ctx.photo_ids[op.photo_sha] = photo_id
        ctx.counts.photos += 1
        ctx.tick("photos", 1)
