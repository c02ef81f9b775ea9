from django.urls import path

from vkshop import views

urlpatterns = [
    path("vk-catalog/albums", views.albums, name="vk_albums"),
    path("vk-catalog/refresh", views.refresh_now, name="vk_refresh"),
    path("vk-catalog/albums/<int:album_id>/products", views.album_products, name="vk_album_products"),
]
