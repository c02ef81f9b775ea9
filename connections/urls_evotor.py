from django.urls import path

from connections import views_evotor

urlpatterns = [
    path("", views_evotor.save_token, name="evotor-save-token"),
    path("/disconnect", views_evotor.disconnect, name="evotor-disconnect"),
    path("/test", views_evotor.test_token, name="evotor-test"),
]
