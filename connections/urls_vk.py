from django.urls import path

from connections import views_vk

urlpatterns = [
    path("", views_vk.save_connection, name="vk_connection_save"),
    path("/disconnect", views_vk.disconnect, name="vk_disconnect"),
    path("/test", views_vk.test_connection, name="vk_connection_test"),
    path("/oauth/start", views_vk.oauth_start, name="vk_oauth_start"),
    path("/oauth/callback", views_vk.oauth_callback, name="vk_oauth_callback"),
]
