"""GET /metrics: the operators' figures in Prometheus's text format, for whom the settings let in.

Counted as it happens (`core.metrics`, added up over the host's processes in multiprocess mode), plus figures
read at scrape time: messages waiting in the broker, items behind (products changed in Evotor after their VK
item was last written), connections broken now and runs by state. Off unless METRICS_TOKEN or
METRICS_ALLOWED_NETWORKS is set (404); a scrape from elsewhere or without the token gets 403.
"""

import hmac
import ipaddress
import os
import time

from django.conf import settings
from django.db.models import F
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

QUEUES = ["celery"]


def metrics_enabled() -> bool:
    return bool(settings.METRICS_TOKEN or settings.METRICS_ALLOWED_NETWORKS)


def allowed(request) -> bool:
    """The token (when set) and the address connecting to us (when networks are set) both pass."""
    if settings.METRICS_TOKEN:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), settings.METRICS_TOKEN.encode()):
            return False
    if settings.METRICS_ALLOWED_NETWORKS:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS)
    return True


@never_cache
@require_GET
def metrics(request):
    if not metrics_enabled():
        raise Http404
    if not allowed(request):
        return HttpResponseForbidden("forbidden\n", content_type="text/plain")
    return HttpResponse(counted() + generate_latest(scrape_time_registry()), content_type=CONTENT_TYPE_LATEST)


def counted() -> bytes:
    """What the processes counted: this one's, or every process's of the host in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def scrape_time_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(DatabaseAndBrokerCollector())
    return registry


class DatabaseAndBrokerCollector:
    """Figures read when Prometheus asks: each is a few indexed counts, so a scrape stays cheap."""

    def collect(self):
        yield from queue_length()
        yield items_behind()
        yield connections_broken()
        yield runs_by_status()
        yield GaugeMetricFamily("evosync_scrape_timestamp_seconds", "Unix time of this scrape", value=time.time())


def queue_length():
    """Messages waiting in each Celery queue (a broker that does not answer gives no series, not a zero)."""
    from kombu.exceptions import ChannelError

    from evosync.celery import app

    family = GaugeMetricFamily("evosync_celery_queue_length", "Messages waiting in the Celery queue", labels=["queue"])
    try:
        with app.connection_for_read() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
            channel = connection.default_channel
            for queue in QUEUES:
                try:
                    waiting = channel.queue_declare(queue=queue, passive=True).message_count
                except ChannelError:  # Redis drops an empty queue's key: nothing waits
                    waiting = 0
                family.add_metric([queue], waiting)
    except Exception:  # noqa: BLE001 - the broker is down: /health says so; the series goes missing
        return
    yield family


def items_behind() -> GaugeMetricFamily:
    from vksync.models import ProductLink

    behind = (
        ProductLink.objects.exclude(state=ProductLink.State.DELETED)
        .filter(product__removed=False, product__evotor_updated_at__gt=F("updated_at"))
        .count()
    )
    return GaugeMetricFamily(
        "evosync_items_behind", "VK items whose product changed in Evotor after the item was last written", behind
    )


def connections_broken() -> GaugeMetricFamily:
    from connections.models import EvotorConnection, VkConnection

    family = GaugeMetricFamily("evosync_connections_broken", "Connections broken now, by kind", labels=["kind"])
    for kind, model in (("evotor", EvotorConnection), ("vk", VkConnection)):
        family.add_metric([kind], model.objects.filter(status=model.Status.BROKEN).count())
    return family


def runs_by_status() -> GaugeMetricFamily:
    from django.db.models import Count

    from vksync.models import SyncRun

    family = GaugeMetricFamily("evosync_sync_runs_now", "Sync runs queued or running now, by status", labels=["status"])
    live = SyncRun.objects.filter(status__in=[SyncRun.Status.QUEUED, SyncRun.Status.RUNNING])
    counts = dict(live.values_list("status").annotate(n=Count("id")).order_by())
    for status in (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING):
        family.add_metric([status], counts.get(status, 0))
    return family
