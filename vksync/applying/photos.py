"""Pictures: the ones VK lacks are sent in the background (`PhotoUploads`) while the sync sends its items, and
each uploaded picture is recorded once per community (`VkPhoto`), reused by every item that shows it.

Helper threads and no database: posters download each picture, make it fit for VK (`vksync.pictures`: padded,
converted, shrunk — what was done is kept for the item's page) and POST it to VK's upload server (not an API
request, so not rate-limited); the saver thread asks for upload addresses (25 to an `execute`, the next ones
before the current ones are saved, so their POSTs are under way meanwhile) and saves the uploaded photos one
rate-limited request after another. With the bulk flow (`bulk_files` > 1) one address takes several files and
one `market.saveProductPhotoBulk` saves them all; on any bulk error the photos go the single way
(`market.saveProductPhoto`, one each) and `bulk_refused` tells the sync to remember it.

The sync's own thread takes the outcomes as they come (`Arrivals`): it records them, RECORD_EVERY to an INSERT,
and tells the items waiting for those pictures that they may go (`ready`), so the items' requests fill the
rate limit while later pictures are still uploading.

In a slice with a deadline (`room`), a chunk of 25 addresses is asked only while the slice has room for its saves
(each as long as the longest save seen in the slice; the slice's first chunk goes anyway, and none is asked ahead
before a save was seen). After `enough()` (the slice's time is out) no chunk starts. Each save is judged too: it
goes only while the deadline holds it, as long as the longest save seen in the slice or in the worker process's
recent slices (but for the slice's first save: each slice makes headway), and its upload is waited for only as long
as the save after it could still end before the deadline (a slow upload server does not hold the slice past it).
A chunk cut there leaves its other uploads unsaved (their addresses are asked again later: one request).
`cut_short` then says some pictures wait for the next slice.
"""

import contextvars
import queue
import threading
import time
from collections.abc import Callable
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
_DONE, _WAKE, _NOT_ASKED, _CUT = object(), object(), object(), object()


class PhotoUploads:
    """Start with the photo operations to send; `take()` each outcome, (operation, photo_id, error)."""

    def __init__(
        self,
        *,
        client,
        group_id: int,
        load_photo: Callable,
        ops: list,
        bulk_files: int = 0,
        bulk_field="",
        room=None,
        left=None,
        usual_pace: float = 0.0,
    ):
        self.client, self.group_id, self.load_photo, self.ops = client, group_id, load_photo, ops
        self.room = room  # room(seconds): the slice's budget holds that much more; None: no budget
        self.left = left  # left(): seconds until the slice's deadline (None: none); None: no budget
        self.bulk_files, self.bulk_field = (bulk_files if bulk_files > 1 else 0), bulk_field or "file{n}"
        self.bulk_refused: VkApiError | None = None  # the bulk flow's error, when the community refused it
        self.fixes: dict[str, tuple[str, ...]] = {}  # sha → what was done so VK takes the picture
        self._outcomes: queue.Queue = queue.Queue()
        self._stopped = threading.Event()
        self._enough = threading.Event()  # the slice's time is out: no chunk starts, the one in flight is saved
        self.cut_short = False  # a chunk was left for the next slice
        self._began, self.pace = False, 0.0  # a chunk asked for; the longest save request so far (a step)
        self.usual_pace = usual_pace  # the longest save in this worker process's recent slices (0: none seen)
        self._saving = False  # a save was sent in this slice
        self.finished = False  # every outcome taken
        self._poster = ThreadPoolExecutor(max_workers=POSTERS, thread_name_prefix="photo-post")
        self._fitter = ThreadPoolExecutor(max_workers=POSTERS, thread_name_prefix="photo-fit")  # a bulk's files
        self._saver = threading.Thread(
            target=contextvars.copy_context().run, args=(self._send_all,), name="photo-save", daemon=True
        )
        self._saver.start()

    def take(self) -> tuple | None:
        """The next outcome, (op, photo_id, None) or (op, None, error), waiting for it; None after a `wake()` or
        once `finished`. Raises what stopped the uploads."""
        if self.finished:
            return None
        outcome = self._outcomes.get()
        if outcome is _WAKE:
            return None
        if outcome is _DONE:
            self.finished = True
            return None
        if outcome[0] is None:
            self.finished = True
            raise outcome[2]
        return outcome

    def leftovers(self) -> list[tuple]:
        """After `stop()`: the outcomes never taken (photos VK saved before the run stopped among others)."""
        left = []
        while not self.finished:
            try:
                outcome = self._outcomes.get_nowait()
            except queue.Empty:
                break
            if outcome is _DONE:
                self.finished = True
            elif outcome is not _WAKE and outcome[0] is not None:
                left.append(outcome)
        return left

    def wake(self) -> None:
        """A `take()` waiting (or the next one) returns None: the sync's thread has something else to do."""
        self._outcomes.put(_WAKE)

    def enough(self) -> None:
        """Start no new chunk (the slice's time is used); the one in flight is saved and reported as usual."""
        self._enough.set()

    def stop(self) -> None:
        """No new request goes out; wait for the one under way."""
        self._stopped.set()
        self._saver.join()

    # --- in the helper threads --------------------------------------------------------------------------------
    def _send_all(self) -> None:
        try:
            self._send_singles(self._send_bulk(self.ops) if self.bulk_files else self.ops)
        except BaseException as error:  # noqa: BLE001 - handed to the sync's thread, which raises it
            self._outcomes.put((None, None, error))
        finally:  # cut or stopped: the posts under way end by themselves, unsaved; the slice does not wait for them
            whole = not (self.cut_short or self._stopped.is_set())
            self._poster.shutdown(wait=whole, cancel_futures=True)
            self._fitter.shutdown(wait=whole, cancel_futures=True)
            self._outcomes.put(_DONE)

    def _send_singles(self, ops: list) -> None:
        """Every photo saved one by one, 25 addresses to an `execute`: the next 25 posting while these are saved."""
        chunks = [ops[start : start + BATCH] for start in range(0, len(ops), BATCH)]
        started = _NOT_ASKED
        for number, chunk in enumerate(chunks):
            if started is _NOT_ASKED:
                if not self._may_start(BATCH):
                    self.cut_short = True
                    return
                started = self._start_chunk(chunk)
            current, started = started, _NOT_ASKED
            if number + 1 < len(chunks) and self._may_ask_ahead():
                started = self._start_chunk(chunks[number + 1])
            if current is not None and not self._save_chunk(chunk, current):
                return

    def _may_start(self, saves: int) -> bool:
        """A chunk starts unless stopped, or — but for the slice's first chunk — `enough()` was said or the slice's
        deadline cannot hold its saves, each as long as the longest save so far."""
        if self._stopped.is_set():
            return False
        if self._began and (self._enough.is_set() or (self.room and not self.room(saves * self.pace))):
            return False
        self._began = True
        return True

    def _may_ask_ahead(self) -> bool:
        """The next chunk is asked for while this one is saved: with a deadline, only once a save was seen and the
        budget holds both chunks' saves."""
        return (self.room is None or self.pace > 0) and self._may_start(2 * BATCH)

    def _start_chunk(self, chunk: list) -> list | None:
        """Upload addresses for the chunk (one request) and its posts under way; None when VK gave none."""
        try:
            urls = self.client.photo_upload_urls(self.group_id, len(chunk))
        except VkConnectionBroken:
            raise
        except VkApiError as error:
            for op in chunk:
                self._outcomes.put((op, None, error))
            return None
        return [
            self._poster.submit(contextvars.copy_context().run, self._post, op, url)
            for op, url in zip(chunk, urls, strict=True)
        ]

    def _may_save(self) -> bool:
        """The next save goes unless stopped or — but for the slice's first save — the slice's deadline cannot hold
        it, as long as the longest save seen in the slice or in this worker process's recent slices (then
        `cut_short`: the pictures left wait for the next slice)."""
        if self._stopped.is_set():
            return False
        if not self._saving or self.room is None or self.room(max(self.pace, self.usual_pace)):
            return True
        self.cut_short = True
        return False

    def _posted(self, post):
        """The post's result once its save may go (`_may_save`, judged before the post is waited for and again
        after: the wait uses the slice's time); `_CUT` when it may not. But for the slice's first save, the post
        is waited for only until its save could no longer end before the deadline (`_patience`): a slow upload
        server kept the items' loop waiting past it. Raises what the post raised."""
        if not self._may_save():
            return _CUT
        try:
            uploaded = post.result(timeout=self._patience())
        except TimeoutError:  # the post goes on by itself; its picture is uploaded again by a later slice
            if post.done():
                uploaded = post.result()
            else:
                self.cut_short = True
                return _CUT
        if not self._may_save():
            return _CUT
        self._saving = True
        return uploaded

    def _patience(self) -> float | None:
        """Seconds a post may be waited for: until the deadline less the save after it (None: no limit)."""
        if not self._saving or self.left is None or (left := self.left()) is None:
            return None
        return max(0.0, left - max(self.pace, self.usual_pace))

    def _save_chunk(self, chunk: list, posts: list) -> bool:
        """Each photo saved in turn; False when the saves stopped (`_posted`) before the chunk's end."""
        for op, post in zip(chunk, posts, strict=True):
            try:
                uploaded = self._posted(post)
                if uploaded is _CUT:
                    return False
                photo_id = self._save(op, uploaded)
            except VkConnectionBroken:
                raise
            except PER_PHOTO_ERRORS as error:
                self._outcomes.put((op, None, error))
                continue
            self._outcomes.put((op, photo_id, None))
        return True

    def _send_bulk(self, ops: list) -> list:
        """Every photo through bulk uploads, 25 uploads to an `execute` of addresses, the next 25 posting while
        these are saved; returns the photos left for single saves (all that remain once the community refuses)."""
        step = BATCH * self.bulk_files
        chunks = [ops[start : start + step] for start in range(0, len(ops), step)]
        singles, started = [], _NOT_ASKED
        for number, chunk in enumerate(chunks):
            if started is _NOT_ASKED:
                if not self._may_start(BATCH):
                    self.cut_short = True
                    return singles
                started = self._start_bulk(chunk)
            if started is None:  # refused: this chunk and the rest go one by one
                return singles + [op for rest in chunks[number:] for op in rest]
            current, started = started, _NOT_ASKED
            if number + 1 < len(chunks) and self._may_ask_ahead():
                started = self._start_bulk(chunks[number + 1])
            left, refused = self._save_bulk(current)
            singles += left
            if refused:
                return singles + [op for rest in chunks[number + 1 :] for op in rest]
            if self._stopped.is_set() or self.cut_short:
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
        posts = []
        for group, url in zip(groups, urls, strict=True):  # a bulk's pictures are fetched and fitted side by side
            fits = [self._fitter.submit(contextvars.copy_context().run, self._fitted, op) for op in group]
            posts.append(self._poster.submit(contextvars.copy_context().run, self._post_bulk, group, fits, url))
        return posts

    def _save_bulk(self, posts: list) -> tuple[list, bool]:
        """One saveProductPhotoBulk per post, in order: (the photos left for single saves, whether refused)."""
        singles = []
        for index, post in enumerate(posts):
            posted = self._posted(post)
            if posted is _CUT:
                return [], False
            ready, answer = posted
            try:
                if isinstance(answer, Exception):
                    raise answer
                started = time.monotonic()
                photo_ids = self.client.save_product_photos_bulk(answer, len(ready)) if ready else []
                self.pace = max(self.pace, time.monotonic() - started)
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

    def _post_bulk(self, group: list, fits: list, upload_url: str) -> tuple[list, object]:
        """(the photos posted, the upload server's answer or the error it gave); a picture that cannot be had
        is reported at once and left out."""
        ready, files = [], []
        for op, fit in zip(group, fits, strict=True):
            try:
                files.append(fit.result())
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
        started = time.monotonic()
        try:
            photo_id = self.client.save_product_photo(upload_response)
            self.pace = max(self.pace, time.monotonic() - started)
            return photo_id
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
        room=ctx.clock.holds if ctx.clock.deadline is not None else None,
        left=ctx.clock.left if ctx.clock.deadline is not None else None,
        usual_pace=ctx.clock.expected("photo_save") if ctx.clock.deadline is not None else 0.0,
    )


class Arrivals:
    """The uploads' outcomes taken in the sync's own thread: each photo recorded for the community (RECORD_EVERY
    to an INSERT: a crash re-uploads at most these), each failure on its item, and `coming` — the pictures still
    to come, which items wait for (`ready.ReadyItems`)."""

    def __init__(self, ctx: Context, uploads: PhotoUploads | None):
        self.ctx, self.uploads = ctx, uploads
        self.coming: set[str] = {op.photo_sha[0] for op in uploads.ops} if uploads else set()
        self._saved: list[VkPhoto] = []
        self._started = time.monotonic()

    @property
    def done(self) -> bool:
        return self.uploads is None or self.uploads.finished

    def wake(self) -> None:
        if self.uploads:
            self.uploads.wake()

    def enough(self) -> None:
        """The slice's time is out: no upload starts any more (those in flight end and are recorded), and the
        run's next slice goes on."""
        self.ctx.counts.finished = False
        if self.uploads:
            self.uploads.enough()

    def wait(self) -> list[str]:
        """Take the next outcome (or a wake) and record it; the pictures settled by it (none after a wake)."""
        outcome = self.uploads.take()
        if outcome is None:
            return self._finish() if self.uploads.finished else []
        op, photo_id, error = outcome
        sha = op.photo_sha[0]
        self.coming.discard(sha)
        if error is not None:
            record_batch({}, [self.ctx.error(op, error, None)])
            return [sha]
        self._saved.append(self._photo(sha, photo_id))
        if len(self._saved) >= RECORD_EVERY:
            _keep(self._saved)
        return [sha]

    def close(self) -> None:
        """Stop the uploads (when the run stops before they end) and keep every photo VK saved."""
        if self.uploads:
            self.uploads.stop()
            for op, photo_id, error in self.uploads.leftovers():
                if error is None:
                    self._saved.append(self._photo(op.photo_sha[0], photo_id))
        _keep(self._saved)

    def _photo(self, sha: str, photo_id: int) -> VkPhoto:
        self.ctx.photo_ids[sha] = photo_id
        self.ctx.counts.photos += 1
        self.ctx.tick("photos", 1)
        fixes = list(self.uploads.fixes.get(sha, ()))
        return VkPhoto(group_id=self.ctx.group_id, sha256=sha, photo_id=photo_id, fixes=fixes)

    def _finish(self) -> list[str]:
        """Every outcome is in: the photos kept, the bulk refusal remembered; the pictures that will not come."""
        _keep(self._saved)
        self.ctx.clock.took("photo_save", self.uploads.pace)
        if self.uploads.cut_short:  # the pictures left wait for the next slice, and so do their items
            self.ctx.counts.finished = False
        self.ctx.counts.seconds["photos"] = round(time.monotonic() - self._started, 3)
        if self.uploads.bulk_refused is not None and self.ctx.on_bulk_refused:
            self.ctx.on_bulk_refused(self.uploads.bulk_refused)
        left = list(self.coming)
        self.coming.clear()
        return left


def _keep(saved: list[VkPhoto]) -> None:
    """Record the community's new photos in one INSERT (a picture another run recorded meanwhile stays as it is)."""
    if saved:
        VkPhoto.objects.bulk_create(saved, ignore_conflicts=True)
    saved.clear()
