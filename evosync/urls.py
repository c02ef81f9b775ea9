from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from evosync.dashboard.views import dashboard
from evosync.favicon import favicon
from evosync.health import health

urlpatterns = [
    path("health", health, name="health"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/dashboard", admin.site.admin_view(dashboard), name="admin_dashboard"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("connections.urls")),
    path("", include("catalog.urls")),
    path("", include("vkshop.urls")),
    path("", include("vksync.urls")),
    path("", include("webhooks.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
