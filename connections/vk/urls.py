from django.urls import path

from connections.vk import views as views_vk

urlpatterns = [
    path("connections/vk", views_vk.save_connection, name="vk_connection_save"),
    path("connections/vk/disconnect", views_vk.disconnect, name="vk_disconnect"),
    path("connections/vk/test", views_vk.test_connection, name="vk_connection_test"),
    path("connections/vk/oauth/start", views_vk.oauth_start, name="vk_oauth_start"),
    path("connections/vk/oauth/callback", views_vk.oauth_callback, name="vk_oauth_callback"),
]
