from django.urls import path

from vksync import start_views, views

urlpatterns = [
    path("sync", views.sync_page, name="sync"),
    path("sync/progress", views.sync_progress, name="sync_progress"),
    path("sync/run", views.sync_now, name="sync_now"),
    path("sync/confirm", views.confirm_plan, name="sync_confirm"),
    path("sync/settings", views.sync_settings, name="sync_settings"),
    path("sync/items/<int:link_id>/retry", views.retry_item, name="sync_retry_item"),
    path("sync/item/<path:sku>", views.item_page, name="sync_item"),
    path("home", start_views.home, name="merchant_home"),
    path("start", start_views.start, name="start"),
    path("start/plan", start_views.request_plan, name="start_plan"),
    path("start/confirm", start_views.confirm, name="start_confirm"),
]
