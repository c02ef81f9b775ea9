"""The merchant's VK orders (list, one order, its status changed through VK) and VK's Callback API endpoint."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts import team_roles
from accounts.access import shop_permission
from accounts.ownership import get_owned_or_404
from connections.models import VkConnection
from connections.vk.community import community_problem
from core.exports import export_response
from orders import access, callback, services
from orders.exports import orders_sheets
from orders.models import Order

ORDERS_PER_PAGE = 50


class StatusForm(forms.Form):
    status = forms.TypedChoiceField(label="Статус", choices=Order.Status.choices, coerce=int)


@shop_permission(team_roles.VIEW)
@require_GET
def order_list(request):
    connection = VkConnection.objects.owned_by(request.shop).first()
    orders = Order.objects.owned_by(request.shop).order_by("-ordered_at", "-pk")
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "problem": community_problem(connection), "connection": connection}
    context["orders_problem"] = access.problem_of(request.shop)
    return render(request, "orders/order_list.html", context)


@shop_permission(team_roles.VIEW)
@require_GET
def orders_export(request, kind: str):
    """The merchant's orders and their items as CSV or XLSX, streamed."""
    return export_response(kind, f"evosync-orders-{timezone.localdate():%Y-%m-%d}", orders_sheets(request.shop))


@shop_permission(team_roles.VIEW)
@require_GET
def order_detail(request, order_id: int):
    order = get_owned_or_404(Order, request.shop, pk=order_id)
    connection = VkConnection.objects.owned_by(request.shop).first()
    context = {
        "order": order,
        "items": order.items.select_related("product"),
        "form": StatusForm(initial={"status": order.status}),
        "problem": community_problem(connection),
    }
    return render(request, "orders/order_detail.html", context)


@shop_permission(team_roles.OPERATE)
@require_POST
def change_status(request, order_id: int):
    order = get_owned_or_404(Order, request.shop, pk=order_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Выберите статус из списка.")
        return redirect("order_detail", order_id=order.pk)
    try:
        services.set_status(order=order, status=form.cleaned_data["status"], by_merchant=True)
    except services.OrderChangeRefused as exc:
        messages.error(request, exc.reason)
    else:
        messages.success(request, f"Статус заказа в VK: «{order.get_status_display()}».")
    return redirect("order_detail", order_id=order.pk)


@csrf_exempt
@require_POST
def vk_callback(request, path: str):
    """VK's Callback API: plain-text answers, as VK expects them."""
    try:
        answer = callback.receive(path=path, body=request.body)
    except DatabaseError:  # VK tries again later: nothing is lost
        answer = callback.Answer(503, "try again")
    return HttpResponse(answer.text, status=answer.status, content_type="text/plain; charset=utf-8")
