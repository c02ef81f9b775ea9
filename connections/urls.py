from django.urls import include, path

from connections import views

urlpatterns = [
    path("connections", views.connections_page, name="connections"),
    path("connections/evotor", include("connections.urls_evotor")),
    path("connections/vk", include("connections.urls_vk")),
]
