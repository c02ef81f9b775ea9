"""The staff dashboard: pictures with their titles, figures that count right, links to the lists behind them,
staff only, and a page that costs the same few queries with 10,000 merchants."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from connections.tests.factories import EvotorConnectionFactory, VkConnectionFactory
from evosync.dashboard import figures
from orders.models import Order
from orders.tests.factories import OrderFactory
from vksync.models import SyncRun
from vksync.tests.factories import SyncRunFactory

pytestmark = pytest.mark.django_db

QUERY_BUDGET = 16


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(staff=True, is_superuser=True))
    return client


def finished_run(merchant, *, status=SyncRun.Status.DONE, seconds=40, days_ago=0, **fields):
    started = timezone.now() - timedelta(days=days_ago, seconds=seconds)
    run = SyncRunFactory(merchant=merchant, status=status, **fields)
    SyncRun.objects.filter(pk=run.pk).update(
        created_at=started, started_at=started, finished_at=started + timedelta(seconds=seconds)
    )
    return run


def test_the_admin_index_links_to_the_dashboard_and_merchants_cannot_open_it(client, staff_client):
    assert 'href="/admin/dashboard"' in staff_client.get("/admin/").content.decode()
    client.logout()
    client.force_login(UserFactory())
    assert client.get("/admin/dashboard").status_code == 302  # to the admin's login


def test_figures_count_merchants_how_far_they_got_runs_items_and_requests(staff_client):
    synced = UserFactory()
    EvotorConnectionFactory(merchant=synced)
    VkConnectionFactory(merchant=synced, status="broken", last_error="Токен VK отозван.")
    UserFactory(status=User.Status.PENDING)
    finished_run(synced, created=5, updated=2, hidden=1, vk_requests=120)
    finished_run(synced, status=SyncRun.Status.FAILED, error="VK не отвечает.", days_ago=1)
    finished_run(synced, status=SyncRun.Status.NEEDS_CONFIRMATION, days_ago=1, seconds=600)

    assert figures.merchants_by_status() == {"active": 1, "pending": 1}
    assert figures.funnel(registered=2) == figures.Funnel(registered=2, connected=1, first_sync_done=1, syncing_daily=1)
    assert figures.broken_now()["VK"] == [("Токен VK отозван.", 1)]
    today, yesterday = figures.days(30)[-1], figures.days(30)[-2]
    assert (today.done, today.created, today.updated, today.hidden, today.vk_requests) == (1, 5, 2, 1, 120)
    assert today.vk_budget == 3 * 24 * 3600  # one merchant's token at VK_RATE_LIMIT_PER_SECOND=3
    assert (yesterday.failed, yesterday.stopped) == (1, 1)
    assert figures.run_times(30) == figures.RunTimes(runs=3, median_seconds=45, p95_seconds=600)
    assert figures.failure_reasons(30) == [("VK не отвечает.", 1)]


def test_the_page_draws_titled_svg_charts_whose_links_open_filtered_admin_lists(staff_client):
    merchant = UserFactory()
    finished_run(merchant, status=SyncRun.Status.FAILED, error="VK не отвечает.")

    page = staff_client.get("/admin/dashboard?days=90").content.decode()

    charts = page.count('class="chart" role="img"')
    assert charts == 8 and page.count('-title">') >= charts and page.count('-desc">') >= charts
    assert "<title" in page and "<desc" in page and "Запуски синхронизации по дням, 90 дней" in page
    assert "VK не отвечает." in page
    links = [
        "/admin/accounts/user/?status__exact=active",
        "/admin/accounts/user/?evotor=any&amp;vk=any",
        "/admin/vksync/syncrun/?status__exact=failed&amp;created_at__gte=",
        "/admin/connections/vkconnection/?status__exact=broken",
        "/admin/orders/order/?ordered_at__gte=",
    ]
    for link in links:
        assert link in page
        target = re.search(f'href="({re.escape(link)}[^"]*)"', page).group(1).replace("&amp;", "&")
        listed = staff_client.get(target)
        assert listed.status_code == 200, target  # a lookup the admin refuses redirects to ?e=1 (302)


def test_orders_per_day_count_every_merchants_orders_by_the_day_placed_with_those_given_back(staff_client):
    now = timezone.now()
    for status, days_ago in [(Order.Status.NEW, 0), (Order.Status.DELIVERED, 0), (Order.Status.CANCELLED, 0),
                             (Order.Status.RETURNED, 2), (Order.Status.NEW, 40)]:  # fmt: skip
        OrderFactory(status=status, ordered_at=now - timedelta(days=days_ago))

    month, quarter = figures.orders_per_day(30), figures.orders_per_day(90)
    assert len(month) == 30 and len(quarter) == 90
    assert (month[-1].orders, month[-1].cancelled, month[-1].kept) == (3, 1, 2)
    assert (month[-3].orders, month[-3].cancelled) == (1, 1)
    assert sum(d.orders for d in month) == 4 and sum(d.orders for d in quarter) == 5

    page = staff_client.get("/admin/dashboard").content.decode()
    assert "Заказы VK по дням: 4" in page and "Заказы VK по дням, 30 дней" in page
    today = timezone.localtime(now).date()
    link = re.findall(r'href="(/admin/orders/order/\?ordered_at__gte=[^"]*ordered_at__lt=[^"]*)"', page)[-1]
    listed = staff_client.get(link.replace("&amp;", "&"))
    assert listed.status_code == 200 and str(today.day) in link
    assert len(listed.context["cl"].result_list) == 3  # the day's column opens that day's orders
    assert "Заказы VK по дням: 5" in staff_client.get("/admin/dashboard?days=90").content.decode()


def test_the_dashboard_holds_its_query_budget_with_10000_merchants(staff_client, django_assert_max_num_queries):
    statuses = [User.Status.ACTIVE] * 8 + [User.Status.PENDING, User.Status.SUSPENDED]
    User.objects.bulk_create(
        User(email=f"bulk{n}@example.com", status=statuses[n % 10], is_active=statuses[n % 10] == "active")
        for n in range(10_000)
    )
    some = list(User.objects.filter(email__startswith="bulk")[:500])
    now = timezone.now()
    SyncRun.objects.bulk_create(
        SyncRun(
            merchant=merchant,
            status=SyncRun.Status.DONE if n % 4 else SyncRun.Status.FAILED,
            started_at=now - timedelta(days=n % 30, seconds=90),
            finished_at=now - timedelta(days=n % 30),
            created=n % 7,
            vk_requests=n % 50,
            error="" if n % 4 else "VK не отвечает.",
        )
        for n, merchant in enumerate(some * 4)
    )
    Order.objects.bulk_create(
        Order(
            merchant=merchant,
            group_id=7001,
            vk_order_id=n,
            vk_user_id=900,
            status=Order.Status.CANCELLED if n % 9 == 0 else Order.Status.NEW,
            ordered_at=now - timedelta(days=n % 89, hours=n % 5),  # inside the 90 local days at any hour (UTC+3)
            arrived_by=Order.ArrivedBy.CALLBACK,
        )
        for n, merchant in enumerate(some * 6)
    )

    for days in (30, 90):
        with django_assert_max_num_queries(QUERY_BUDGET):
            response = staff_client.get(f"/admin/dashboard?days={days}")
        assert response.status_code == 200
    assert figures.merchants_by_status()["active"] == 8000
    assert sum(day.orders for day in figures.orders_per_day(90)) == 3000
