"""/metrics: shut unless configured, then scraped after a real sync through the emulators (the button, the Celery
task, Evotor and VK behind it), with each series the operators alert on and its value."""

import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from connections.models import VkConnection
from connections.tests.factories import VkConnectionFactory
from evosync.celery import app
from vksync.models import SyncRun
from vksync.tests.conftest import shop  # noqa: F401 - the merchant with an Evotor catalog and a VK shop

ID_SEGMENT = re.compile(r"/(\d+|[0-9a-f-]{8,})(\.\w+)?(/|$)")  # a number or a uuid-like path segment

TOKEN = {"HTTP_AUTHORIZATION": "Bearer scrape-token"}


def scrape(client) -> dict:
    """Every sample as {(name, sorted labels): value}."""
    answer = client.get("/metrics", **TOKEN)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(answer.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: dict, name: str, **labels) -> float:
    """The sum over every series of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= set(ls))


@pytest.mark.django_db
def test_metrics_answer_404_while_no_token_and_no_network_is_set(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = "", []
    assert client.get("/metrics", **TOKEN).status_code == 404


@pytest.mark.django_db
def test_metrics_refuse_a_wrong_token_and_an_address_outside_the_networks(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = "scrape-token", []
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-tokenX").status_code == 403
    assert client.get("/metrics", **TOKEN).status_code == 200
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_NETWORKS = "", ["10.1.0.0/16", "192.0.2.7"]
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_a_sync_through_the_emulators_shows_in_every_series(shop, client, settings, django_capture_on_commit_callbacks):  # noqa: F811
    settings.METRICS_TOKEN = "scrape-token"
    VkConnectionFactory(status=VkConnection.Status.BROKEN)  # another merchant's, broken now
    before = scrape(client)
    client.force_login(shop.merchant)
    shop.vk.fail_next("market.add", 100)  # VK refuses one item
    shop.evotor.fail_next(503, path="/stores")  # Evotor fails once, then answers
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/sync/run").status_code == 302
    run = SyncRun.objects.filter(merchant=shop.merchant).latest("pk")
    assert run.status == SyncRun.Status.DONE, run.error
    after = scrape(client)

    def grew(name, **labels):
        return total(after, name, **labels) - total(before, name, **labels)

    assert grew("evosync_http_requests_total", view="sync_now", method="POST", status="302") == 1
    assert grew("evosync_http_request_duration_seconds_count", view="sync_now") == 1
    assert grew("evosync_celery_tasks_total", task="vksync.sync_merchant", state="success") >= 1
    assert grew("evosync_celery_task_duration_seconds_count", task="vksync.sync_merchant") >= 1
    assert value(after, "evosync_celery_worker_last_seen_timestamp_seconds") > 0
    assert grew("evosync_sync_runs_total", outcome="done") >= 1
    vk_api_requests = grew("evosync_vk_requests_total") - grew("evosync_vk_requests_total", method="upload")
    assert vk_api_requests >= run.requests["total"] > 0
    assert grew("evosync_vk_requests_total", method="execute") > 0
    assert grew("evosync_vk_errors_total", code="100", method="market.add") == 1
    assert grew("evosync_vk_rate_limit_wait_seconds_count") == vk_api_requests
    assert grew("evosync_evotor_requests_total", resource="/stores") >= 2  # the failed one and its retry
    assert grew("evosync_evotor_errors_total", resource="/stores", status="503") == 1
    assert grew("evosync_evotor_requests_total", resource="picture") > 0  # the pictures, from the emulator's host
    # Every Evotor path this process called (earlier tests' too: the counters are per process), ids folded to
    # {id}: a label per store, product or picture would grow without bound.
    resources = {dict(labels)["resource"] for name, labels in after if name == "evosync_evotor_requests_total"}
    assert {"/stores/{id}/product-groups", "/stores/{id}/products"} <= resources
    assert not [r for r in resources if ID_SEGMENT.search(r)], "a label per id would grow without bound"
    assert value(after, "evosync_connections_broken", kind="vk") == 1
    assert value(after, "evosync_connections_broken", kind="evotor") == 0
    assert value(after, "evosync_sync_runs_now", status="running") == 0
    assert value(after, "evosync_items_behind") == 0


def test_items_behind_counts_products_changed_since_their_push(shop, client, settings):  # noqa: F811
    from catalog.models import Product
    from catalog.services import refresh_catalog
    from vksync.engine import run_sync

    settings.METRICS_TOKEN = "scrape-token"
    run_sync(merchant=shop.merchant)
    product = Product.objects.filter(merchant=shop.merchant, vk_links__state="active").first()
    shop.evotor.update_product(shop.token, product.evotor_id, price=999)
    refresh_catalog(merchant=shop.merchant)  # the catalog knows, VK does not yet
    assert value(scrape(client), "evosync_items_behind") == 1
    run_sync(merchant=shop.merchant)
    assert value(scrape(client), "evosync_items_behind") == 0


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_queue_length_counts_the_messages_waiting_in_the_broker(client, settings):
    settings.METRICS_TOKEN = "scrape-token"
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("celery")
    assert value(scrape(client), "evosync_celery_queue_length", queue="celery") == 0
    for _ in range(3):
        app.send_task("vksync.sync_all_shops")  # published, not run: nothing consumes the test's broker
    try:
        assert value(scrape(client), "evosync_celery_queue_length", queue="celery") == 3
    finally:
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge("celery")
