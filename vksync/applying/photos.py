"""Pictures: the ones VK lacks are sent in the background (`PhotoUploads`) while the sync prepares its items,
and each uploaded picture is recorded once per community (`VkPhoto`), reused by every item that shows it.

Two helper threads and no database: posters download each picture, make it fit for VK (`vksync.pictures`:
padded, converted, shrunk — what was done is kept for the item's page) and POST it to VK's upload server (not
an API request, so not rate-limited); the other thread asks for upload addresses (25 to an `execute`) and saves
the uploaded photos one rate-limited request after another. With the bulk flow (`bulk_files` > 1) one address
takes several files and one `market.saveProductPhotoBulk` saves them all; on any bulk error the photos go the
single way (`market.saveProductPhoto`, one each) and `bulk_refused` tells the sync to remember it. The sync's
own thread meanwhile writes its item links, then takes the outcomes in order and records them.
"""

import contextvars
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings

from connections.vk.errors import VkApiError, VkConnectionBroken, VkTransientError
from vksync.applying.context import Context
from vksync.applying.mapping import record_batch
from vksync.models import VkPhoto
from vksync.pictures import fit_for_vk

BATCH = 25
RECORD_EVERY = 25  # photos recorded per INSERT; a crash re-uploads at most these
POSTERS = 8  # downloads and upload POSTs at once: not rate-limited, and the saves must never wait for them
PER_PHOTO_ERRORS = (VkApiError, OSError, ValueError)  # this picture fails; the others go on (VK down stops the run)
_DONE = object()


class PhotoUploads:
    """Start with the photo operations to send; iterate `outcomes()` for (operation, photo_id, error)."""

    def __init__(self, *, client, group_id: int, load_photo: Callable, ops: list, bulk_files: int = 0, bulk_field=""):
        self.client, self.group_id, self.load_photo, self.ops = client, group_id, load_photo, ops
        self.bulk_files, self.bulk_field = (bulk_files if bulk_files > 1 else 0), bulk_field or "file{n}"
        self.bulk_refused: VkApiError | None = None  # the bulk flow's error, when the community refused it
        self.fixes: dict[str, tuple[str, ...]] = {}  # sha → what was done so VK takes the picture
        self._outcomes: queue.Queue = queue.Queue()
        self._stopped = threading.Event()
        self._enough = threading.Event()  # the slice's time ran out: no new picture starts, the one under way ends
        self._poster = ThreadPoolExecutor(max_workers=POSTERS, thread_name_prefix="photo-post")
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

    def enough(self) -> None:
        """Start no new picture (the slice's time is used); those under way are saved and reported as usual."""
        self._enough.set()

    def _halted(self) -> bool:
        return self._stopped.is_set() or self._enough.is_set()

    def stop(self) -> None:
        """No new request goes out; wait for the one under way."""
        self._stopped.set()
        self._saver.join()

    # --- in the helper threads --------------------------------------------------------------------------------
    def _send_all(self) -> None:
        try:
            singles = self._send_bulk(self.ops) if self.bulk_files else self.ops
            for start in range(0, len(singles), BATCH):
                if self._halted():
                    break
                self._send_chunk(singles[start : start + BATCH])
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
            if self._halted():
                return
            try:
                photo_id = self._save(op, post.result())
            except VkConnectionBroken:
                raise
            except PER_PHOTO_ERRORS as error:
                self._outcomes.put((op, None, error))
                continue
            self._outcomes.put((op, photo_id, None))

    def _send_bulk(self, ops: list) -> list:
        """Every photo through bulk uploads, 25 uploads to an `execute` of addresses, the next 25 posting while
        these are saved; returns the photos left for single saves (all that remain once the community refuses)."""
        step = BATCH * self.bulk_files
        chunks = [ops[start : start + step] for start in range(0, len(ops), step)]
        singles, started = [], self._start_bulk(chunks[0]) if chunks else None
        for number in range(len(chunks)):
            if started is None:  # refused: this chunk and the rest go one by one
                return singles + [op for rest in chunks[number:] for op in rest]
            current = started
            started = self._start_bulk(chunks[number + 1]) if number + 1 < len(chunks) else None
            left, refused = self._save_bulk(current)
            singles += left
            if refused:
                return singles + [op for rest in chunks[number + 1 :] for op in rest]
            if self._halted():
                return []
        return singles

    def _start_bulk(self, chunk: list) -> list | None:
        """Upload addresses for the chunk's bulks (one request) and their posts under way; None when refused."""
        groups = [chunk[start : start + self.bulk_files] for start in range(0, len(chunk), self.bulk_files)]
        try:
            urls = self.client.photo_upload_urls(self.group_id, len(groups), bulk=True)
        except VkConnectionBroken:
            raise
        except VkApiError as error:
            self._refuse_bulk(error)
            return None
        return [
            self._poster.submit(contextvars.copy_context().run, self._post_bulk, group, url)
            for group, url in zip(groups, urls, strict=True)
        ]

    def _save_bulk(self, posts: list) -> tuple[list, bool]:
        """One saveProductPhotoBulk per post, in order: (the photos left for single saves, whether refused)."""
        singles = []
        for index, post in enumerate(posts):
            if self._halted():
                return [], False
            ready, answer = post.result()
            try:
                if isinstance(answer, Exception):
                    raise answer
                photo_ids = self.client.save_product_photos_bulk(answer, len(ready)) if ready else []
            except VkConnectionBroken:
                raise
            except VkTransientError:  # lost or failed this time: these photos go the single way, bulk stays on
                singles += ready
                continue
            except VkApiError as error:
                self._refuse_bulk(error)
                return singles + ready + [op for later in posts[index + 1 :] for op in later.result()[0]], True
            for op, photo_id in zip(ready, photo_ids, strict=True):
                self._outcomes.put((op, photo_id, None))
        return singles, False

    def _refuse_bulk(self, error: VkApiError) -> None:
        self.bulk_refused, self.bulk_files = error, 0

    def _post_bulk(self, group: list, upload_url: str) -> tuple[list, object]:
        """(the photos posted, the upload server's answer or the error it gave); a picture that cannot be had
        is reported at once and left out."""
        ready, files = [], []
        for op in group:
            try:
                files.append(self._fitted(op))
            except PER_PHOTO_ERRORS as error:
                self._outcomes.put((op, None, error))
                continue
            ready.append(op)
        if not ready:
            return ready, None
        try:
            return ready, self.client.post_product_photos(upload_url, files, self.bulk_field)
        except (VkApiError, VkTransientError) as error:
            return ready, error

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
        content, filename = self._fitted(op)
        return self.client.post_product_photo(upload_url, content, filename)

    def _fitted(self, op) -> tuple[bytes, str]:
        """The picture as VK takes it (fixed when it broke VK's rules; ValueError when it is not a picture)."""
        sha = op.photo_sha[0]
        picture = fit_for_vk(*self.load_photo(sha))
        self.fixes[sha] = picture.fixes
        return picture.content, picture.filename


def start(ctx: Context, ops: list) -> PhotoUploads | None:
    """Start uploading the photos VK lacks (each picture once), in the background."""
    todo = list({op.photo_sha: op for op in ops if op.photo_sha[0] not in ctx.photo_ids}.values())
    if ctx.more_to_come:  # whole requests of upload addresses only (25 bulks): the rest go with a later slice's
        whole = BATCH * max(1, ctx.photo_bulk_files)
        todo = todo[: len(todo) - len(todo) % whole]
    if not todo:
        return None
    return PhotoUploads(
        client=ctx.client,
        group_id=ctx.group_id,
        load_photo=ctx.load_photo,
        ops=todo,
        bulk_files=ctx.photo_bulk_files,
        bulk_field=settings.VK_PHOTO_BULK_FIELD,
    )


def record(ctx: Context, uploads: PhotoUploads | None) -> None:
    """Record each upload's outcome as it comes: the photo id for the community, or the error for the item."""
    saved, gap, last = [], 0.0, time.monotonic()
    try:
        for op, photo_id, error in uploads.outcomes() if uploads else ():
            now = time.monotonic()
            gap, last = max(gap, now - last), now
            # Once `enough`, the save under way and the posts started still end: room for two steps is kept, so
            # the pictures not started yet wait for the run's next slice and this one ends within its budget.
            if ctx.out_of_time(2 * gap + ctx.closing_seconds()):
                ctx.counts.finished = False
                uploads.enough()
            if error is not None:
                record_batch({}, [ctx.error(op, error, None)])
                continue
            sha = op.photo_sha[0]
            fixes = list(uploads.fixes.get(sha, ()))
            saved.append(VkPhoto(group_id=ctx.group_id, sha256=sha, photo_id=photo_id, fixes=fixes))
            ctx.photo_ids[sha] = photo_id
            ctx.counts.photos += 1
            ctx.tick("photos", 1)
            if len(saved) >= RECORD_EVERY:
                _keep(saved)

    finally:  # what VK saved is kept even when the run stops here: the next run reuses it
        _keep(saved)
    if uploads and uploads.bulk_refused is not None and ctx.on_bulk_refused:
        ctx.on_bulk_refused(uploads.bulk_refused)


def _keep(saved: list[VkPhoto]) -> None:
    """Record the community's new photos in one INSERT (a picture another run recorded meanwhile stays as it is)."""
    VkPhoto.objects.bulk_create(saved, ignore_conflicts=True)
    saved.clear()
