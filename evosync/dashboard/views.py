"""The staff dashboard (/admin/dashboard): how the service is doing, in pictures; each links to the admin list
behind it."""

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from connections.models import EvotorConnection, VkConnection
from core.charts import Bar, Columns, Line, Series, bars, columns
from evosync.dashboard import figures
from orders.models import Order
from vksync.models import SyncRun

GREEN, RED, AMBER, BLUE, GREY = "#2e7d32", "#c62828", "#b26a00", "#1565c0", "#607080"
STATUS_COLORS = {"active": GREEN, "pending": AMBER, "suspended": RED}


def changelist(model, **query) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(query)}" if query else url


def _from(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(sep=" ")


def dashboard(request):
    days = int(request.GET.get("days", "30")) if request.GET.get("days") in ("30", "90") else 30
    start = figures.since(days)
    context = {
        **admin.site.each_context(request),
        "title": "Как идут дела",
        "days": days,
        "ranges": figures.RANGES,
        **_merchant_figures(),
        **_broken_figure(),
        **_run_figures(days, start),
        **_order_figures(days, start),
    }
    return render(request, "admin/dashboard.html", context)


def _merchant_figures() -> dict:
    User = get_user_model()
    by_status = figures.merchants_by_status()
    status_bars = [
        Bar(label, by_status.get(value, 0), changelist(User, status__exact=value), STATUS_COLORS.get(value, BLUE))
        for value, label in User.Status.choices
    ]
    funnel = figures.funnel(registered=sum(by_status.values()))
    day_ago = timezone.now() - timedelta(days=1)
    done = SyncRun.Status.DONE
    steps = [
        Bar("Зарегистрировались", funnel.registered, changelist(User)),
        Bar("Подключили Эвотор и VK", funnel.connected, changelist(User, evotor="any", vk="any")),
        Bar("Первая синхронизация прошла", funnel.first_sync_done, changelist(SyncRun, status__exact=done)),
        Bar(
            "Синхронизируются каждый день",
            funnel.syncing_daily,
            changelist(SyncRun, status__exact=done, finished_at__gte=_from(day_ago)),
        ),
    ]
    return {
        "status_chart": bars("Продавцы по статусу", status_bars),
        "funnel_chart": bars("Докуда дошли продавцы", steps),
        "merchant_list": changelist(User),
    }


def _broken_figure() -> dict:
    broken = figures.broken_now()
    models = {"Эвотор": EvotorConnection, "VK": VkConnection}
    rows = [
        Bar(f"{kind}: {reason}", n, changelist(models[kind], status__exact="broken"), RED)
        for kind, reasons in broken.items()
        for reason, n in reasons
    ]
    total = sum(n for reasons in broken.values() for _reason, n in reasons)
    return {
        "broken_chart": bars(
            "Сломанные подключения сейчас, по причинам", rows, width=900, empty="Сломанных подключений нет."
        ),
        "broken_total": total,
        "broken_lists": [(kind, changelist(model, status__exact="broken")) for kind, model in models.items()],
    }


def _run_figures(days: int, start) -> dict:
    per_day = figures.days(days)
    labels = [day.day.strftime("%d.%m") for day in per_day]
    hrefs = [
        changelist(SyncRun, created_at__gte=_from(_midnight(day.day)), created_at__lt=_from(_midnight(day.day, 1)))
        for day in per_day
    ]
    runs = Columns(
        days=labels,
        hrefs=hrefs,
        series=[
            Series("прошли", [d.done for d in per_day], GREEN),
            Series("с ошибкой", [d.failed for d in per_day], RED),
            Series("остановлены тормозом / ждут подтверждения", [d.stopped for d in per_day], AMBER),
        ],
    )
    items = Columns(
        days=labels,
        hrefs=hrefs,
        series=[
            Series("созданы", [d.created for d in per_day], GREEN),
            Series("изменены", [d.updated for d in per_day], BLUE),
            Series("скрыты", [d.hidden for d in per_day], GREY),
        ],
    )
    requests = Columns(
        days=labels,
        hrefs=hrefs,
        series=[Series("запросы к VK", [d.vk_requests for d in per_day], BLUE)],
        line=Line("предел VK для токенов, работавших в этот день", [d.vk_budget for d in per_day]),
    )
    used = sum(d.vk_requests for d in per_day)
    budget = sum(d.vk_budget for d in per_day)
    since_start = _from(start)
    return {
        "runs_chart": columns(f"Запуски синхронизации по дням, {days} дней", runs),
        "items_chart": columns(f"Товары VK по дням, {days} дней", items),
        "requests_chart": columns(f"Запросы к VK по дням и предел VK, {days} дней", requests),
        "requests_share": round(100 * used / budget, 2) if budget else None,
        "rate_limit": settings.VK_RATE_LIMIT_PER_SECOND,
        "run_times": figures.run_times(days),
        "reasons_chart": bars(
            f"Частые причины ошибок, {days} дней",
            [
                Bar(reason, n, changelist(SyncRun, status__exact="failed", created_at__gte=since_start), RED)
                for reason, n in figures.failure_reasons(days)
            ],
            width=900,
        ),
        "runs_list": changelist(SyncRun, created_at__gte=since_start),
        "failed_list": changelist(SyncRun, status__exact="failed", created_at__gte=since_start),
    }


def _order_figures(days: int, start) -> dict:
    per_day = figures.orders_per_day(days)
    chart = Columns(
        days=[day.day.strftime("%d.%m") for day in per_day],
        hrefs=[
            changelist(Order, ordered_at__gte=_from(_midnight(day.day)), ordered_at__lt=_from(_midnight(day.day, 1)))
            for day in per_day
        ],
        series=[
            Series("в работе или выполнены", [d.kept for d in per_day], GREEN),
            Series("отменены или возвращены", [d.cancelled for d in per_day], GREY),
        ],
    )
    return {
        "orders_chart": columns(f"Заказы VK по дням, {days} дней", chart),
        "orders_total": sum(d.orders for d in per_day),
        "orders_list": changelist(Order, ordered_at__gte=_from(start)),
    }


def _midnight(day, plus_days: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=plus_days), datetime.min.time()))
