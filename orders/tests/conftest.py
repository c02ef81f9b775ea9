"""A merchant whose VK community (the `vk_emulator`'s) sells an item EvoSync made (3 in stock) and one made by
hand in VK; the community token is saved. `deliver` lets the emulator post its Callback API requests through
Django's test client, as VK would over HTTP."""

from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from catalog.tests.factories import ProductFactory, StoreFactory
from connections.tests.factories import VkConnectionFactory
from emulators.vk import callbacks, messages
from emulators.vk.fixtures import TEST_COMMUNITY_TOKEN, TEST_GROUP_ID, TEST_USER_ID
from vksync.tests.factories import ProductLinkFactory

BUYER_ID = 900


@pytest.fixture
def shop(merchant, vk_emulator, settings):
    settings.BASE_URL = "https://evosync.example"
    vk_emulator.add_user(token="vk-buyer-token", user_id=BUYER_ID, name="Мария Покупатель")
    mapped_item = vk_emulator.add_item(TEST_GROUP_ID, "Чай улун", price="250", stock_amount=3)
    hand_made = vk_emulator.add_item(TEST_GROUP_ID, "Открытка ручной работы", price="90")
    product = ProductFactory(store=StoreFactory(merchant=merchant), name="Улун молочный", quantity=3)
    ProductLinkFactory(product=product, vk_item_id=mapped_item)
    connection = VkConnectionFactory(merchant=merchant, community_token=TEST_COMMUNITY_TOKEN)
    messages.allow_messages(vk_emulator, TEST_GROUP_ID, TEST_USER_ID)
    return SimpleNamespace(
        merchant=merchant,
        vk=vk_emulator,
        connection=connection,
        product=product,
        mapped_item=mapped_item,
        hand_made=hand_made,
    )


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """Send the emulator's queued Callback API requests to EvoSync (retries included); their tasks run."""

    def post(url, body):
        answer = client.post(urlsplit(url).path, data=body, content_type="application/json")
        return answer.content.decode() if answer.status_code == 200 else None

    def run(emu):
        with django_capture_on_commit_callbacks(execute=True):
            return callbacks.deliver_callbacks(emu, post=post)

    return run


@pytest.fixture
def callback_ready(shop, client, deliver):
    """The merchant pressed «Настроить Callback API» and VK confirmed the address."""
    answer = client.post("/connections/vk/callback/set-up")
    assert answer.status_code == 302
    deliver(shop.vk)
    shop.connection.refresh_from_db()
    return shop
