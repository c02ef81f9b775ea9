from django.urls import path

from vksync import views_sync

urlpatterns = [
    path("sync", views_sync.sync_page, name="sync"),
    path("sync/progress", views_sync.sync_progress, name="sync_progress"),
    path("sync/run", views_sync.sync_now, name="sync_now"),
    path("sync/confirm", views_sync.confirm_plan, name="sync_confirm"),
    path("sync/settings", views_sync.sync_settings, name="sync_settings"),
    path("sync/items/<int:link_id>/retry", views_sync.retry_item, name="sync_retry_item"),
]
