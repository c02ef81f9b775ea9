"""The staff dashboard's numbers, each from one aggregate query over indexed columns (no row is loaded one by one),
so the page costs the same dozen queries with 10 or 10,000 merchants.

EvoSync's top layer composes them: merchants (accounts), connections, sync runs (vksync), VK orders (orders).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case, Count, DurationField, ExpressionWrapper, F, IntegerField, Q, Sum, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from connections.models import Connection, EvotorConnection, VkConnection
from orders.models import Order
from vksync.models import SyncRun

RANGES = (30, 90)
TOP_REASONS = 8
# Run times are counted into these buckets (upper bounds, seconds) by the database; the median and the p95 are
# read off the counts, so no run's duration is ever fetched. The answer is "at most N": the bucket's bound.
DURATION_BOUNDS = (1, 2, 3, 5, 7, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 450, 600, 900, 1200, 1800, 2700, 3600)


@dataclass(frozen=True)
class Funnel:
    registered: int
    connected: int
    first_sync_done: int
    syncing_daily: int


@dataclass(frozen=True)
class Day:
    day: date
    done: int = 0
    failed: int = 0
    stopped: int = 0  # stopped by the brake, or waiting for the first plan's confirmation
    created: int = 0
    updated: int = 0
    hidden: int = 0
    vk_requests: int = 0
    merchants: int = 0  # merchants whose runs that day sent requests: each has its own token's budget

    @property
    def vk_budget(self) -> int:
        return self.merchants * settings.VK_RATE_LIMIT_PER_SECOND * 24 * 3600


@dataclass(frozen=True)
class RunTimes:
    runs: int
    median_seconds: int | None
    p95_seconds: int | None


def since(days: int):
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days - 1)


def merchants():
    return get_user_model().objects.filter(is_staff=False)


def merchants_by_status() -> dict[str, int]:
    rows = merchants().order_by().values_list("status").annotate(n=Count("id"))
    return dict(rows)


def funnel(registered: int) -> Funnel:
    """How far the merchants got: registered → both connections → a first sync went to VK → synced in the last day."""
    connected = merchants().filter(evotor_connection__isnull=False, vk_connection__isnull=False).count()
    done = SyncRun.objects.filter(status=SyncRun.Status.DONE, dry_run=False)
    first = done.order_by().values("merchant").distinct().count()
    daily = done.filter(finished_at__gte=timezone.now() - timedelta(days=1)).order_by().values("merchant").distinct()
    return Funnel(registered=registered, connected=connected, first_sync_done=first, syncing_daily=daily.count())


def broken_now() -> dict[str, list[tuple[str, int]]]:
    """Per integration, the broken connections grouped by their reason in words, most common first."""
    found = {}
    for name, model in (("Эвотор", EvotorConnection), ("VK", VkConnection)):
        rows = (
            model.objects.filter(status=Connection.Status.BROKEN)
            .order_by()
            .values_list("last_error")
            .annotate(n=Count("id"))
            .order_by("-n")[:TOP_REASONS]
        )
        found[name] = [(reason or "причина не записана", n) for reason, n in rows]
    return found


def days(days: int) -> list[Day]:
    """Runs per day by outcome, the items they changed, and VK requests against the tokens' budget."""
    start = since(days)
    runs = SyncRun.objects.filter(created_at__gte=start, dry_run=False).order_by()
    per_day = (
        runs.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            # Named apart from the columns they sum: an annotation may not shadow a field it reads.
            n_done=Count("id", filter=Q(status=SyncRun.Status.DONE)),
            n_failed=Count("id", filter=Q(status=SyncRun.Status.FAILED)),
            n_stopped=Count("id", filter=Q(status=SyncRun.Status.NEEDS_CONFIRMATION)),
            n_created=Sum("created"),
            n_updated=Sum("updated"),
            n_hidden=Sum("hidden"),
            n_vk_requests=Sum("vk_requests"),
            n_merchants=Count("merchant", distinct=True, filter=Q(vk_requests__gt=0)),
        )
    )
    found = {row.pop("day"): Day(day=None, **{k[2:]: v or 0 for k, v in row.items()}) for row in per_day}
    first = start.date()
    every = [first + timedelta(days=i) for i in range(days)]
    return [_dated(found.get(day), day) for day in every]


def _dated(found: Day | None, day: date) -> Day:
    if found is None:
        return Day(day=day)
    return Day(**{**found.__dict__, "day": day})


def run_times(days: int) -> RunTimes:
    """The median and the 95th percentile of the finished runs' durations, from one bucketed count."""
    duration = ExpressionWrapper(F("finished_at") - F("started_at"), output_field=DurationField())
    bucket = Case(
        *[When(took__lte=timedelta(seconds=bound), then=index) for index, bound in enumerate(DURATION_BOUNDS)],
        default=len(DURATION_BOUNDS),
        output_field=IntegerField(),
    )
    rows = (
        SyncRun.objects.filter(created_at__gte=since(days), started_at__isnull=False, finished_at__isnull=False)
        .order_by()
        .annotate(took=duration)
        .annotate(bucket=bucket)
        .values_list("bucket")
        .annotate(n=Count("id"))
    )
    counts = dict(rows)
    total = sum(counts.values())
    return RunTimes(
        runs=total, median_seconds=_quantile(counts, total, 0.5), p95_seconds=_quantile(counts, total, 0.95)
    )


def _quantile(counts: dict[int, int], total: int, share: float) -> int | None:
    if not total:
        return None
    seen = 0
    for index in sorted(counts):
        seen += counts[index]
        if seen >= share * total:
            return DURATION_BOUNDS[index] if index < len(DURATION_BOUNDS) else DURATION_BOUNDS[-1] + 1
    return None


def failure_reasons(days: int) -> list[tuple[str, int]]:
    rows = (
        SyncRun.objects.filter(created_at__gte=since(days), status=SyncRun.Status.FAILED)
        .order_by()
        .values_list("error")
        .annotate(n=Count("id"))
        .order_by("-n")[:TOP_REASONS]
    )
    return [(reason or "причина не записана", n) for reason, n in rows]


@dataclass(frozen=True)
class OrdersDay:
    day: date
    orders: int = 0
    cancelled: int = 0  # cancelled or returned since

    @property
    def kept(self) -> int:
        return self.orders - self.cancelled


GIVEN_BACK = (Order.Status.CANCELLED, Order.Status.RETURNED)


def orders_per_day(days: int) -> list[OrdersDay]:
    """VK orders per day they were placed (every merchant's), and how many of them were cancelled or returned;
    one grouped count over the index on `ordered_at`."""
    start = since(days)
    rows = (
        Order.objects.filter(ordered_at__gte=start)
        .order_by()
        .annotate(day=TruncDate("ordered_at"))
        .values("day")
        .annotate(n=Count("id"), n_cancelled=Count("id", filter=Q(status__in=GIVEN_BACK)))
    )
    found = {row["day"]: (row["n"], row["n_cancelled"]) for row in rows}
    every = [start.date() + timedelta(days=i) for i in range(days)]
    return [OrdersDay(day, *found.get(day, (0, 0))) for day in every]
