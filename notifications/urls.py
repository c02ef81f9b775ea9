from django.urls import path

from notifications import views

urlpatterns = [
    path("notifications/vk-check", views.check_vk_messages, name="notifications_vk_check"),
]
