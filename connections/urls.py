from django.urls import include, path

from connections import views

urlpatterns = [
    path("connections", views.connections_page, name="connections"),
    path("connections/evotor", include("connections.urls_evotor")),
    path("", include("connections.urls_vk")),  # full paths inside: an include prefix without "/" trips urls.W002
]
