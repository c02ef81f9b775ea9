"""A merchant with a generated Evotor catalog (refreshed for real) and a connected, empty VK shop."""

from types import SimpleNamespace

import pytest

from accounts.tests.factories import UserFactory
from catalog.models import Store
from catalog.services import refresh_catalog
from connections.tests.factories import EvotorConnectionFactory, VkConnectionFactory
from emulators.vk.fixtures import TEST_GROUP_ID
from vksync.models import SyncSettings
from vksync.tests.factories import SyncSettingsFactory


@pytest.fixture
def shop(db, evotor_emulator, vk_emulator, settings):
    settings.VK_RETRY_BACKOFF_SECONDS = 0.01
    merchant = UserFactory()
    ids = evotor_emulator.add_merchant(
        token="tok-sync", user_id="01-000000000000077", seed=7, stores=2, groups=3, products=40, image_share=0.15
    )
    EvotorConnectionFactory(merchant=merchant, token="tok-sync", evotor_user_id=ids["user_id"])
    VkConnectionFactory(merchant=merchant)
    refresh_catalog(merchant=merchant)
    Store.objects.filter(merchant=merchant).update(sync_enabled=True)
    refresh_catalog(merchant=merchant)  # images are fetched for products selected for VK
    SyncSettingsFactory(merchant=merchant)
    SyncSettings.objects.filter(merchant=merchant).update(enabled=True)
    return SimpleNamespace(
        merchant=merchant, evotor=evotor_emulator, vk=vk_emulator, ids=ids, group_id=TEST_GROUP_ID, token="tok-sync"
    )
