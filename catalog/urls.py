from django.urls import path

from catalog import views

urlpatterns = [
    path("catalog", views.catalog_home, name="catalog"),
    path("catalog/refresh", views.refresh_now, name="catalog-refresh"),
    path("catalog/thumbs/<str:thumbnail_name>", views.thumbnail, name="catalog-thumbnail"),
    path("catalog/stores", views.stores, name="catalog-stores"),
    path("catalog/stores/<int:store_id>/groups", views.groups, name="catalog-groups"),
    path("catalog/stores/<int:store_id>/products", views.products, name="catalog-products"),
    path("catalog/stores/<int:store_id>/toggle", views.toggle_store, name="catalog-store-toggle"),
    path("catalog/stores/<int:store_id>/groups/<int:group_id>/toggle", views.toggle_group, name="catalog-group-toggle"),
]
