from django.conf import settings
from django.urls import path, re_path

from orders import views

urlpatterns = [
    path("orders", views.order_list, name="order_list"),
    re_path(r"^orders/export\.(?P<kind>csv|xlsx)$", views.orders_export, name="orders_export"),
    path("orders/<int:order_id>", views.order_detail, name="order_detail"),
    path("orders/<int:order_id>/status", views.change_status, name="order_change_status"),
    path(settings.VK_CALLBACK_PATH_PREFIX.lstrip("/") + "<str:path>", views.vk_callback, name="vk_callback"),
]
