from django.urls import path

from connections.evotor import views as views_evotor

urlpatterns = [
    path("connections/evotor", views_evotor.save_token, name="evotor-save-token"),
    path("connections/evotor/disconnect", views_evotor.disconnect, name="evotor-disconnect"),
    path("connections/evotor/test", views_evotor.test_token, name="evotor-test"),
]
