"""One fault at a time: a fresh merchant, the fault, triggers through the real path until the shop converges,
then the figures and the convergence check.

For each fault: a merchant with its catalog read from the Evotor emulator and sync on, and an empty VK
community. The fault is armed, a sync (or a catalog refresh) is asked for through the apps' own triggers,
and the harness waits — bounded in time — until a run finds nothing to write. When nothing runs and the shop
has not converged, it triggers again, as the hourly schedule would (and counts it). Then: duplicates (two
live VK items with one sku), lost items (a published, available product with no visible VK item at the end,
or hidden on the way), sync tasks queued, and the convergence check — with faults off, one more sync writes
nothing, and the whole VK shop matches the catalog field by field, picture and album
(`vksync.tests.helpers.assert_vk_matches_catalog`).

One module, over 300 lines on purpose: it is one procedure (arm, trigger, wait, measure, check) read from top
to bottom; the processes, the faults and the report live beside it.
"""

import math
import time
from dataclasses import asdict, dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Max

from catalog.models import Store
from catalog.services import refresh_catalog
from tools.bench import jobs
from tools.bench.scenario import Scenario, World
from tools.chaos.processes import ChaosError
from vksync import runs
from vksync.models import SyncRun, SyncSettings
from vksync.tests.helpers import WRITE_METHODS, assert_vk_matches_catalog, duplicate_items, lost_products
from vksync.triggers import request_sync

PAGES = 10  # the Evotor product list comes in this many pages (page 7 is the one that fails)
MAX_TRIGGERS = 25


@dataclass
class Shop:
    """One merchant of the harness: who they are in EvoSync and in the emulators."""

    key: str
    merchant: object
    vk: object  # the VK emulator (vksync.tests.helpers reads the shop from it)
    group_id: int
    published: int = 0


@dataclass
class Mark:
    """Where the logs and counters stood when a fault was armed."""

    vk: int
    evotor: int
    run_id: int
    tasks: int


@dataclass
class Outcome:
    fault: str
    faults_injected: int = 0
    runs_to_converge: int | None = None
    triggers: int = 0
    duplicates: int = 0
    lost: int = 0
    tasks_queued: int = 0
    tasks_bound: int = 0
    converged: bool = False
    convergence: str = "not checked"
    noop_writes: int | None = None
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems()

    def problems(self) -> list[str]:
        found = list(self.failures)
        if not self.faults_injected:
            found.append("no fault was injected")
        if not self.converged:
            found.append("the shop did not converge in time")
        if self.duplicates:
            found.append(f"{self.duplicates} duplicate VK items")
        if self.lost:
            found.append(f"{self.lost} lost items")
        if self.tasks_queued > self.tasks_bound:
            found.append(f"{self.tasks_queued} sync tasks queued (bound {self.tasks_bound})")
        if self.noop_writes:
            found.append(f"the sync after convergence wrote {self.noop_writes} requests")
        if self.convergence != "ok":
            found.append(f"convergence: {self.convergence}")
        return found

    def as_dict(self) -> dict:
        return asdict(self) | {"ok": self.ok}


def tasks_bound(*, triggers: int, runs: int) -> int:
    """Sync tasks a fault may cost: one per trigger, and per run a follow-up and a retry, plus a few."""
    return triggers + 2 * runs + 4


class Harness:
    def __init__(self, world: World, cluster, *, seconds_per_fault: float = 180):
        self.world, self.cluster, self.seconds_per_fault = world, cluster, seconds_per_fault
        per_store = world.scenario.per_store[1]
        world.evotor.page_size = max(1, math.ceil(per_store / PAGES))

    # ----- one fault --------------------------------------------------------------------------------
    def run(self, fault) -> Outcome:
        started = time.monotonic()
        deadline = started + self.seconds_per_fault
        outcome = Outcome(fault=fault.name)
        shop = self.new_shop(fault.name)
        if fault.baseline:  # the fault needs a shop in step first
            if not self.converge(shop, _Plain(), deadline)[0]:
                outcome.failures.append("the shop did not converge before the fault")
        fault.prepare(self, shop)
        mark = self.mark(shop)
        fault.arm(self, shop)
        converged = None
        try:
            converged, outcome.triggers = self.converge(shop, fault, deadline, mark=mark, outcome=outcome)
        except ChaosError as error:  # the harness's own processes could not be brought back: say so, go on
            outcome.failures.append(str(error))
        finally:
            fault.disarm(self, shop)
        outcome.faults_injected = fault.injected(self, mark)
        outcome.converged = converged is not None
        outcome.tasks_queued = self.cluster.tasks_for(shop.merchant.pk) - mark.tasks
        if converged:
            fault_runs = SyncRun.objects.filter(merchant=shop.merchant, pk__gt=mark.run_id, pk__lte=converged.pk)
            outcome.runs_to_converge = fault_runs.count()
            outcome.notes.append("runs: " + ", ".join(_said(run) for run in fault_runs.order_by("pk")))
        outcome.tasks_bound = tasks_bound(triggers=outcome.triggers, runs=outcome.runs_to_converge or 0)
        outcome.duplicates = duplicate_items(shop)
        outcome.lost = len(set(lost_products(shop)) | self.hidden_on_the_way(shop, mark)) + fault.lost
        if converged:
            self.check_convergence(shop, outcome, deadline)
        fault.cleanup(self, shop)
        outcome.notes += fault.notes
        outcome.seconds = round(time.monotonic() - started, 1)
        return outcome

    def check_convergence(self, shop: Shop, outcome: Outcome, deadline: float) -> None:
        """With faults off one more sync writes nothing, and the whole VK shop is what the catalog says."""
        mark = self.mark(shop)
        run, _ = self.converge(shop, _Plain(), deadline + 60, mark=mark, outcome=outcome)
        outcome.noop_writes = self.write_requests(mark)
        if run is None:
            outcome.failures.append("the sync with faults off did not end in time")
        try:
            assert_vk_matches_catalog(shop)
            outcome.convergence = "ok"
        except AssertionError as error:
            outcome.convergence = str(error).splitlines()[0][:200] or "a field differs"

    # ----- the merchant -----------------------------------------------------------------------------
    def new_shop(self, key: str) -> Shop:
        """A merchant with Evotor and VK connected, every store published, pictures read, sync on."""
        world_merchant = self.world.add_merchant(key)
        ids = jobs.setup_merchants(merchants=[world_merchant.as_job()])
        merchant = get_user_model().objects.get(pk=ids[key])
        refresh_catalog(merchant=merchant)
        Store.objects.filter(merchant=merchant).update(sync_enabled=True)
        refresh_catalog(merchant=merchant)  # now the pictures of the published products are read too
        SyncSettings.objects.update_or_create(merchant=merchant, defaults={"enabled": True})
        shop = Shop(
            key=key,
            merchant=merchant,
            vk=self.world.vk,
            group_id=world_merchant.group_id,
        )
        from catalog.selectors import published_products

        shop.published = published_products(merchant=merchant).count()
        return shop

    # ----- triggers, through the apps' own code -------------------------------------------------------
    def trigger_sync(self, shop: Shop, trigger: str = SyncRun.Trigger.COMMAND) -> None:
        self.cluster.call(lambda: request_sync(merchant=shop.merchant, trigger=trigger))

    def trigger_refresh(self, shop: Shop) -> None:
        """A catalog refresh queued as Evotor's token callback queues it; a good refresh syncs the shop."""
        from catalog.triggers import queue_refresh

        self.cluster.call(lambda: queue_refresh(merchant_id=shop.merchant.pk))

    # ----- waiting ------------------------------------------------------------------------------------
    def converge(self, shop: Shop, fault, deadline: float, *, mark: Mark | None = None, outcome=None):
        """Trigger, then wait until a run after `mark` finds nothing to write; (that run or None, triggers)."""
        mark = mark or self.mark(shop)
        fault.trigger(self, shop)
        triggers, quiet = 1, _Quiet(self)
        while time.monotonic() < deadline:
            fault.poll(self, shop, mark)
            failures, notes = self.cluster.check()
            if outcome is not None:
                outcome.failures += failures
                outcome.notes += notes
            done = self.converged_run(shop, mark)
            if done is not None and fault.settled(self, shop):
                return done, triggers
            if quiet.long_enough(self.cluster.quiet_seconds) and not self.busy(shop):
                if triggers >= MAX_TRIGGERS:
                    break
                fault.retrigger(self, shop)
                triggers += 1
                quiet.reset()
            time.sleep(self.cluster.poll_seconds)
        return None, triggers

    def busy(self, shop: Shop) -> bool:
        """A run waits or runs (a run whose worker died counts until it goes stale, as for the apps)."""
        return runs.waiting_run(shop.merchant) is not None or runs.live_run_exists(shop.merchant)

    def converged_run(self, shop: Shop, mark: Mark) -> SyncRun | None:
        last = SyncRun.objects.filter(merchant=shop.merchant, pk__gt=mark.run_id).order_by("-pk").first()
        if last and last.status == SyncRun.Status.DONE and (last.plan_summary or {}).get("writes") == 0:
            return None if self.busy(shop) else last
        return None

    # ----- measuring ----------------------------------------------------------------------------------
    def mark(self, shop: Shop) -> Mark:
        return Mark(
            vk=len(self.world.vk.request_log),
            evotor=len(self.world.evotor.request_log),
            run_id=SyncRun.objects.aggregate(last=Max("pk"))["last"] or 0,
            tasks=self.cluster.tasks_for(shop.merchant.pk),
        )

    def vk_calls(self, mark: Mark):
        """(call, request) for every API call VK carried out since `mark` (a request refused before doing
        anything is left out; one whose answer was lost after the work is in)."""
        for entry in self.world.vk.request_log[mark.vk :]:
            if entry.get("http_status") or entry.get("error_code"):
                continue
            for call in entry.get("inner") or [entry]:
                if not call.get("error_code"):
                    yield call, entry

    def calls_since(self, mark: Mark, method: str) -> int:
        return sum(1 for call, _ in self.vk_calls(mark) if call["method"] == method)

    def write_requests(self, mark: Mark) -> int:
        """VK requests since `mark` that carried a write (an execute counts once)."""
        requests = set()
        for entry in self.world.vk.request_log[mark.vk :]:
            if any(call["method"] in WRITE_METHODS for call in entry.get("inner") or [entry]):
                requests.add(id(entry))
        return len(requests)

    def hidden_on_the_way(self, shop: Shop, mark: Mark) -> set[str]:
        """Skus of products that should show which VK hid or deleted since `mark`."""
        should_show = _visible_skus(shop)
        items, hidden = shop.vk.shop(shop.group_id).items, set()
        for call, _ in self.vk_calls(mark):
            params = call.get("params", {})
            hides = call["method"] == "market.edit" and str(params.get("deleted")) == "1"
            if (hides or call["method"] == "market.delete") and str(params.get("item_id", "")).isdigit():
                item = items.get(int(params["item_id"]))
                if item is not None and item.sku in should_show:
                    hidden.add(item.sku)
        return hidden


def _said(run: SyncRun) -> str:
    """A run in a few words: how it ended, what it wrote, why it stopped."""
    words = run.status
    if run.status == SyncRun.Status.DONE:
        words += f" ({(run.plan_summary or {}).get('writes', 0)} writes)"
    if run.error:
        words += f" ({run.error[:60]})"
    return words


def _visible_skus(shop: Shop) -> set[str]:
    from catalog.selectors import published_products
    from vksync.inputs import PRODUCT_FIELDS
    from vksync.rules import Rules, item_fields

    rules = Rules.from_settings(SyncSettings.objects.get(merchant=shop.merchant))
    products = published_products(merchant=shop.merchant).values(*PRODUCT_FIELDS)
    return {fields["sku"] for fields in (item_fields(p, rules) for p in products) if not fields["deleted"]}


class _Quiet:
    """How long neither emulator has had a request."""

    def __init__(self, harness: Harness):
        self.harness = harness
        self.reset()

    def _counts(self) -> tuple[int, int]:
        return len(self.harness.world.vk.request_log), len(self.harness.world.evotor.request_log)

    def reset(self) -> None:
        self.seen, self.since = self._counts(), time.monotonic()

    def long_enough(self, seconds: float) -> bool:
        now = self._counts()
        if now != self.seen:
            self.seen, self.since = now, time.monotonic()
        return time.monotonic() - self.since >= seconds


class _Plain:
    """No fault: a sync, and syncs again until one finds nothing to write."""

    name = "none"
    lost = 0

    def trigger(self, harness: Harness, shop: Shop) -> None:
        harness.trigger_sync(shop)

    def retrigger(self, harness: Harness, shop: Shop) -> None:
        harness.trigger_sync(shop, SyncRun.Trigger.SCHEDULE)

    def poll(self, harness, shop, mark) -> None:
        pass

    def settled(self, harness, shop) -> bool:
        return True


def world_for(
    *, products: int, groups: int, image_share: float, vk_rate: float, latency: float, seed: int = 1
) -> World:
    """The emulators and their merchants: one store, its products in PAGES pages, VK's rules scaled."""
    scenario = Scenario(
        products=products,
        groups=groups,
        stores=1,
        image_share=image_share,
        vk_rate=vk_rate,
        latency=latency,
        two_merchants=False,
        seed=seed,
    )
    return World(scenario)
