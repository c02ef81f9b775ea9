from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from evosync.favicon import favicon
from evosync.health import health

urlpatterns = [
    path("health", health, name="health"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("connections.urls")),
    path("", include("catalog.urls")),
    path("", include("vkshop.urls")),
    path("", include("vksync.urls")),
    path("", include("webhooks.urls")),
    path("", include("orders.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
