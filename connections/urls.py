from django.urls import include, path

from connections import views

# The included modules hold full paths: merchants type `/connections/evotor/test`, with no trailing slash.
urlpatterns = [
    path("connections", views.connections_page, name="connections"),
    path("", include("connections.evotor.urls")),
    path("", include("connections.vk.urls")),
]
