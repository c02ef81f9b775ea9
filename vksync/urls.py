from django.urls import include, path

from vksync import views_catalog

urlpatterns = [
    path("vk-catalog/albums", views_catalog.albums, name="vk_albums"),
    path("vk-catalog/refresh", views_catalog.refresh_now, name="vk_refresh"),
    path("vk-catalog/albums/<int:album_id>/products", views_catalog.album_products, name="vk_album_products"),
    path("", include("vksync.urls_sync")),
]
