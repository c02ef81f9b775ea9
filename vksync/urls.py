from django.urls import include, path

urlpatterns = [
    path("", include("vksync.urls_sync")),
]
