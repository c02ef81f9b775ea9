"""What one application of a plan shares between its stages: the run, the VK client, ids learnt so far, counts.

`Context` is made once per run by `apply_plan`; each stage (albums, photos, items, membership) reads and fills it.
Operations are immutable, so ids learnt while applying (new links, albums, photos) live here, not on them.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from connections.vk.errors import reason_in_words
from core.slices import Slice
from vkshop import writes as shop_writes
from vksync import planning as p
from vksync.models import AlbumLink, SyncItemError, SyncRun, VkPhoto

PROGRESS_EVERY_SECONDS = 1.0
LAY_EVERY = 100  # writes laid over the VK shop cache at a time while the run goes on (`Context.lay_sent`)
STAGES = {
    "albums": {p.CREATE_ALBUM, p.RENAME_ALBUM, p.DELETE_ALBUM},
    "photos": {p.UPLOAD_PHOTO},
    "items": {p.CREATE, p.EDIT, p.HIDE, p.DELETE},
    "membership": {p.ADD_TO_ALBUM, p.REMOVE_FROM_ALBUM},
    "variants": {p.ADD_PROPERTY, p.ADD_PROPERTY_VALUE, p.GROUP_CARD, p.UNGROUP_CARD},
}


@dataclass
class Counts:
    """What the run did in VK; written to the run as it goes, so a failed run still says what it wrote."""

    created: int = 0
    updated: int = 0
    hidden: int = 0
    deleted: int = 0
    adopted: int = 0
    failed: int = 0
    photos: int = 0
    cards: int = 0  # VK cards grouped (made or joined)
    cards_separated: int = 0  # cards VK refused in this run: one more run sends their items separate
    calls: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)  # wall time per stage (albums, photos, items, membership, …)
    finished: bool = True  # False: the slice's time ran out at a safe point; the run's next slice goes on

    def for_run(self) -> dict:
        return {k: getattr(self, k) for k in ("created", "updated", "hidden", "deleted", "adopted", "failed", "cards")}


class Context:
    def __init__(
        self,
        *,
        run: SyncRun,
        client,
        group_id: int,
        load_photo: Callable,
        default_sha: str = "",
        photo_bulk_files: int = 0,
        on_bulk_refused: Callable | None = None,
        clock: Slice | None = None,
        more_to_come: bool = False,
    ):
        self.run, self.client, self.group_id, self.load_photo = run, client, group_id, load_photo
        self.clock = clock or Slice()  # the slice's deadline (none: to the end), its stages, its longest steps
        self.more_to_come = more_to_come  # a later slice sends more: send whole batches only (`apply_plan`)
        self.headway = False  # a write batch (albums, items) went in this slice: the next ones are judged
        self.default_sha = default_sha
        self.photo_bulk_files, self.on_bulk_refused = photo_bulk_files, on_bulk_refused
        self.merchant = run.merchant
        # A run's later slices go on counting from what its earlier ones did.
        self.counts = Counts(**{name: getattr(run, name) or 0 for name in Counts().for_run()})
        self.album_ids: dict[str, int] = dict(
            AlbumLink.objects.filter(merchant=self.merchant, group_id=group_id).values_list(
                "group_evotor_id", "vk_album_id"
            )
        )
        self.photo_ids: dict[str, int] = dict(
            VkPhoto.objects.filter(group_id=group_id).values_list("sha256", "photo_id")
        )
        self.new_links: dict[int, int] = {}  # product id → id of the link made for it in this run
        self.sent: list[tuple] = []  # (method, params, ok, answer or error code) of every call, for the VK cache
        self.laid = 0  # how many of `sent` are laid over the cache already (`lay_sent`)
        self.laid_understood = True  # and whether the cache understood every one of them
        # Variants (applying.variants): ids VK gave, what it refused, cards that must go separate.
        self.property_ids: dict[str, int] = {}
        self.variant_ids: dict[tuple[str, str], int] = {}
        self.value_errors: dict[tuple[str, str], object] = {}
        self.refused_variants = False
        self.unfinished: set[int] = set()  # products sent without their card's values
        self.separated_cards: set[str] = set()
        self.progress = dict(run.progress or {})
        self._saved_at = 0.0

    def wrote(self) -> bool:
        """Writes went in this slice (or its reads count as its headway): the next ones are judged."""
        return self.headway or bool(self.sent)

    def unlaid_items(self) -> int:
        """How many cached items the writes not laid over the VK shop cache yet touch (what laying them costs)."""
        return shop_writes.items_touched(self.sent[self.laid :])

    def has_pictures(self, op: p.Operation) -> bool:
        """Every picture the operation's item shows is uploaded to the community."""
        return all(sha in self.photo_ids for sha in op.photo_sha)

    def link_id(self, op: p.Operation) -> int | None:
        return op.link_id or self.new_links.get(op.product_id)

    def set_totals(self, ops: list[p.Operation]) -> None:
        for name, members in STAGES.items():
            self.progress[name] = {"done": 0, "total": sum(1 for op in ops if op.kind in members)}
        self._save_progress()

    def tick(self, stage: str, done: int, *, force: bool = False) -> None:
        """Progress (and the run's heartbeat and counts) saved at most once a second."""
        entry = self.progress.setdefault(stage, {"done": 0, "total": 0})
        entry["done"] += done
        now = time.monotonic()
        if force or now - self._saved_at >= PROGRESS_EVERY_SECONDS:
            self._saved_at = now
            self._save_progress()

    def _save_progress(self) -> None:
        from vksync import runs

        runs.record_progress(self.run, progress=self.progress, counts=self.counts.for_run())

    def lay_sent(self, *, at_least: int | None = None) -> None:
        """The writes sent since the last lay laid over the VK shop cache, once there are `at_least` (LAY_EVERY) of
        them: called while the next request is in flight, so the run's end has only the last ones to lay."""
        end = len(self.sent)  # the sender's thread may be adding the next answers meanwhile
        if end - self.laid < (LAY_EVERY if at_least is None else at_least):
            return
        writes, self.laid = self.sent[self.laid : end], end
        understood = shop_writes.lay_writes(merchant=self.merchant, group_id=self.group_id, writes=writes)
        self.laid_understood = self.laid_understood and understood

    def error(self, op: p.Operation, error, link_id: int | None) -> SyncItemError:
        """The row that tells the merchant which item VK refused, and why in words."""
        self.counts.failed += 1
        return SyncItemError(
            run=self.run,
            merchant=self.merchant,
            link_id=link_id,
            product_name=(op.fields or {}).get("name", ""),
            operation=op.kind,
            code=getattr(error, "code", None),
            reason=reason_in_words(error),
        )


def items_size(items: int) -> float:
    """The size of a step that moves or lays `items` items (album membership, laying writes over the VK shop cache),
    for the slice's clock: one unit for what it costs whatever its items (a request, a transaction, the albums'
    counts), one more per 1,000 items (by a per-item size alone, a small step's fixed cost would make a large one
    look far longer than it is)."""
    return 1 + items / 1000


def timed(ctx: Context, stage: str, apply: Callable, work, *more):
    started = time.monotonic()
    try:
        return apply(ctx, work, *more)
    finally:
        if work:
            ctx.counts.seconds[stage] = round(time.monotonic() - started, 3)
            ctx.clock.spend(stage, time.monotonic() - started)
