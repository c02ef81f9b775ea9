from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts.support import all_merchants_only
from evosync import api_docs, metrics
from evosync.dashboard.views import dashboard
from evosync.favicon import favicon
from evosync.health import health

urlpatterns = [
    path("health", health, name="health"),
    path("metrics", metrics.metrics, name="metrics"),
    path("favicon.ico", favicon, name="favicon"),
    path("openapi.json", api_docs.openapi_json, name="openapi-json"),
    path("openapi.yaml", api_docs.openapi_yaml, name="openapi-yaml"),
    path("docs", api_docs.swagger_ui, name="swagger-ui"),
    path("redoc", api_docs.redoc, name="redoc"),
    # Figures over every merchant: not for support staff, who see their own merchants only (accounts.support).
    path("admin/dashboard", admin.site.admin_view(all_merchants_only(dashboard)), name="admin_dashboard"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("connections.urls")),
    path("", include("catalog.urls")),
    path("", include("vkshop.urls")),
    path("", include("vksync.urls")),
    path("", include("webhooks.urls")),
    path("", include("orders.urls")),
    path("", include("notifications.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
