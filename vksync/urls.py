from django.urls import path, re_path

from vksync import export_views, start_views, views

urlpatterns = [
    path("sync", views.sync_page, name="sync"),
    path("sync/progress", views.sync_progress, name="sync_progress"),
    path("sync/run", views.sync_now, name="sync_now"),
    path("sync/confirm", views.confirm_plan, name="sync_confirm"),
    path("sync/settings", views.sync_settings, name="sync_settings"),
    path("sync/items/<int:link_id>/retry", views.retry_item, name="sync_retry_item"),
    re_path(r"^sync/export/catalog\.(?P<kind>csv|xlsx)$", export_views.catalog_export, name="sync_catalog_export"),
    re_path(
        r"^sync/runs/(?P<run_id>[0-9]+)/report\.(?P<kind>csv|xlsx)$",
        export_views.run_report_export,
        name="sync_run_report_export",
    ),
    path("sync/variants/retry", views.retry_variants, name="sync_variants_retry"),
    path("sync/item/<path:sku>", views.item_page, name="sync_item"),
    path("home", start_views.home, name="merchant_home"),
    path("start", start_views.start, name="start"),
    path("start/plan", start_views.request_plan, name="start_plan"),
    path("start/confirm", start_views.confirm, name="start_confirm"),
]
