from django.urls import path

from webhooks import link_pages, views

urlpatterns = [
    path("user/create", views.user_create, name="evotor-user-create"),
    path("user/verify", views.user_verify, name="evotor-user-verify"),
    path("user/token", views.user_token, name="evotor-user-token"),
    path("subscription/event", views.subscription_event, name="evotor-subscription-event"),
    path("installation/event", views.installation_event, name="evotor-installation-event"),
    path(
        "api/v1/inventories/stores/<str:store_uuid>/products",
        views.legacy_product_push,
        name="evotor-legacy-product-push",
    ),
    path("api/v2/receipts", views.receipt, name="evotor-receipt"),
    path(
        "api/v1/inventories/stores/<str:store_uuid>/documents",
        views.store_documents,
        name="evotor-store-documents",
    ),
    # The account owner's answer to an Evotor link request (the link is mailed).
    path("evotor/link/<str:token>", link_pages.link_request_link, name="evotor-link-request"),
    path("evotor/link", link_pages.link_request_decide, name="evotor-link-decide"),
]
