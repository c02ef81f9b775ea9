from django.urls import path

from connections.vk import views as views_vk

urlpatterns = [
    path("connections/vk", views_vk.save_connection, name="vk_connection_save"),
    path("connections/vk/disconnect", views_vk.disconnect, name="vk_disconnect"),
    path("connections/vk/test", views_vk.test_connection, name="vk_connection_test"),
    path("connections/vk/oauth/start", views_vk.oauth_start, name="vk_oauth_start"),
    path("connections/vk/oauth/callback", views_vk.oauth_callback, name="vk_oauth_callback"),
    path("connections/vk/community-token", views_vk.save_community_token, name="vk_community_token_save"),
    path("connections/vk/community-token/forget", views_vk.forget_community_token, name="vk_community_token_forget"),
    path("connections/vk/callback/set-up", views_vk.set_up_callback, name="vk_callback_set_up"),
    path("connections/vk/callback/code", views_vk.save_confirmation_code, name="vk_callback_code"),
]
