"""The faults, one per scenario: what each breaks, when, and how many times it struck.

`needs` names what a fault breaks that only real processes have ("worker": a Celery worker, Redis and
MariaDB of the harness's own); the fast part in the test suite runs the faults that need none of them.
"""

from django.conf import settings

from vksync.models import SyncRun


class Fault:
    name = "fault"
    title = ""
    needs: frozenset = frozenset()
    baseline = False  # converge without the fault first (the fault is about a shop already in step)

    def __init__(self):
        self.lost = 0  # lost items only this fault can see (e.g. products marked removed in the catalog)
        self.notes: list[str] = []

    def prepare(self, harness, shop) -> None:
        """Set-up before the fault's mark (not measured)."""

    def arm(self, harness, shop) -> None:
        """Switch the fault on (after the mark)."""

    def trigger(self, harness, shop) -> None:
        harness.trigger_sync(shop)

    def retrigger(self, harness, shop) -> None:
        """Nothing runs and the shop has not converged: what the schedule would do next."""
        harness.trigger_sync(shop, SyncRun.Trigger.SCHEDULE)

    def poll(self, harness, shop, mark) -> None:
        """Called while the harness waits: faults that strike mid-run strike here."""

    def settled(self, harness, shop) -> bool:
        """The fault has done what it does (a convergence before it struck does not count)."""
        return True

    def disarm(self, harness, shop) -> None:
        """Switch the fault off (before the convergence check)."""

    def cleanup(self, harness, shop) -> None:
        """Undo the set-up (after the convergence check)."""

    def injected(self, harness, mark) -> int:
        return 0


class VkFailures(Fault):
    """A share of VK requests fails at random (refused, VK error 10, or the answer lost after the work), and
    for certain the answer to one create batch is lost after VK made its items: the case that makes twins."""

    name = "vk_failures"
    title = "10 % of VK requests fail at random (refused, error 10, answer lost), and one create batch's answer"

    def __init__(self, rate: float = 0.1, seed: int = 7):
        super().__init__()
        self.rate, self.seed = rate, seed

    def arm(self, harness, shop) -> None:
        harness.world.vk.chaos(self.rate, seed=self.seed)
        harness.world.vk.lose_answer_next("market.add", skip=1)

    def disarm(self, harness, shop) -> None:
        harness.world.vk.clear_faults()

    def injected(self, harness, mark) -> int:
        log = harness.world.vk.request_log[mark.vk :]
        return sum(1 for entry in log if entry.get("chaos") or entry.get("answer_lost"))


class MidRun(Fault):
    """A fault that strikes once, in the middle of the first sync's item writes (a third of them sent)."""

    def __init__(self):
        super().__init__()
        self.struck = 0

    def poll(self, harness, shop, mark) -> None:
        if self.struck or harness.calls_since(mark, "market.add") < max(1, shop.published // 3):
            return
        self.struck = self.strike(harness) or 1

    def strike(self, harness) -> int:
        raise NotImplementedError

    def settled(self, harness, shop) -> bool:
        return bool(self.struck)

    def injected(self, harness, mark) -> int:
        return self.struck


class WorkerKilled(MidRun):
    name, title, needs = "worker_killed", "the worker SIGKILLed mid-run, then started again", frozenset({"worker"})

    def strike(self, harness) -> int:
        harness.cluster.kill_worker()
        return 1


class RedisRestarted(MidRun):
    name, title, needs = "redis_restarted", "Redis SIGKILLed mid-run and started again", frozenset({"worker"})

    def strike(self, harness) -> int:
        harness.cluster.restart_redis()
        return 1


class DatabaseCut(MidRun):
    name, title, needs = "mariadb_cut", "the workers' MariaDB connections killed mid-run", frozenset({"worker"})

    def strike(self, harness) -> int:
        return harness.cluster.cut_database()  # the connections cut (0: nothing was connected; tried again)


class TwoWorkers(Fault):
    """Two workers, and the sync task for one merchant published twice at once (a message delivered twice)."""

    name, title, needs = "two_workers", "two workers, one merchant's sync task published twice", frozenset({"worker"})

    def prepare(self, harness, shop) -> None:
        harness.cluster.add_worker()

    def trigger(self, harness, shop) -> None:
        from vksync.tasks import sync_merchant
        from vksync.triggers import request_sync

        def twice() -> None:
            run = request_sync(merchant=shop.merchant, trigger=SyncRun.Trigger.COMMAND)  # published now (autocommit)
            sync_merchant.apply_async(kwargs={"merchant_id": shop.merchant.pk, "run_id": run.pk, "confirmed": False})

        harness.cluster.call(twice)

    def injected(self, harness, mark) -> int:
        return 2

    def cleanup(self, harness, shop) -> None:
        hosts = harness.cluster.hosts_for(shop.merchant.pk)
        self.notes.append(f"sync tasks ran on {len(hosts)} workers")
        harness.cluster.remove_worker()


class EvotorPageMissing(Fault):
    """Evotor fails on page 7 of the 10 pages of the product list, through every retry of one refresh.

    The shop is in step first; then a tenth of the products change in Evotor (on every page) and a catalog
    refresh is asked for. No product may be marked removed because its page was missing."""

    name, title = "evotor_page_7", "Evotor fails on page 7 of 10 of the product list"
    baseline = True

    def __init__(self, page: int = 7, change_share: float = 0.1):
        super().__init__()
        self.page, self.change_share = page, change_share
        self.fault = None

    def prepare(self, harness, shop) -> None:
        harness.world.change_products(shop.key, self.change_share)

    def arm(self, harness, shop) -> None:
        times = settings.EVOTOR_MAX_RETRIES + 1  # one whole refresh fails; the next one reads every page
        self.fault = harness.world.evotor.fail_page(self.page, 503, times=times)

    def trigger(self, harness, shop) -> None:
        harness.trigger_refresh(shop)

    def retrigger(self, harness, shop) -> None:
        harness.trigger_refresh(shop)  # the hourly schedule refreshes the catalog, and a good refresh syncs

    def poll(self, harness, shop, mark) -> None:
        from catalog.models import Product

        self.lost = max(self.lost, Product.objects.filter(merchant=shop.merchant, removed=True).count())

    def settled(self, harness, shop) -> bool:
        return self.fault.times is not None and self.fault.hits >= self.fault.times

    def disarm(self, harness, shop) -> None:
        harness.world.evotor.clear_faults()

    def injected(self, harness, mark) -> int:
        return self.fault.hits if self.fault else 0


FAULTS = [VkFailures, WorkerKilled, RedisRestarted, DatabaseCut, TwoWorkers, EvotorPageMissing]


def faults_for(provides: frozenset, names: list[str] | None = None) -> tuple[list[Fault], list[str]]:
    """The faults a cluster can inject (all, or those named), and why the others are left out."""
    chosen, skipped = [], []
    for kind in FAULTS:
        if names and kind.name not in names:
            continue
        if kind.needs <= provides:
            chosen.append(kind())
        else:
            skipped.append(f"{kind.name}: needs a real worker, Redis and MariaDB (make chaos)")
    return chosen, skipped
