"""The emulator plays Evotor installing our app: real HTTP to a live EvoSync, then the first refresh."""

import pytest

from catalog.models import Product
from connections.models import EvotorConnection
from emulators.evotor import EvotorWebhookCaller


@pytest.mark.django_db(transaction=True)
def test_install_creates_the_account_stores_the_token_and_refreshes(live_server, evotor_emulator, settings):
    settings.EVOTOR_WEBHOOK_SECRET = "flow-secret"
    evotor_emulator.add_merchant(token="cloud-7", user_id="01-000000000000007", stores=1, groups=3, products=25)
    evotor = EvotorWebhookCaller(live_server.url, "flow-secret")

    created = evotor.install(user_id="01-000000000000007", cloud_token="cloud-7", email="new-shop@example.com")
    again = evotor.user_create("01-000000000000007", email="new-shop@example.com")  # Evotor's resend

    assert created.json()["token"] == again.json()["token"]
    connection = EvotorConnection.objects.select_related("merchant").get(evotor_user_id="01-000000000000007")
    assert connection.merchant.email == "new-shop@example.com"
    assert connection.status == EvotorConnection.Status.OK
    assert Product.objects.filter(merchant=connection.merchant).count() == 25
    assert EvotorWebhookCaller(live_server.url, "wrong").user_create("01-x").status_code == 401
