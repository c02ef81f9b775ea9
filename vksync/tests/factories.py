import factory

from accounts.tests.factories import UserFactory
from connections.models import VkConnection
from emulators.vk.fixtures import TEST_GROUP_ID, TEST_TOKEN
from vksync.models import SyncSettings


class VkConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VkConnection

    merchant = factory.SubFactory(UserFactory)
    access_token = TEST_TOKEN
    group_id = TEST_GROUP_ID
    group_name = "Чайная лавка"
    group_screen_name = "evoshop"
    status = VkConnection.Status.OK


class SyncSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncSettings
        django_get_or_create = ["merchant"]

    merchant = factory.SubFactory(UserFactory)
    enabled = True
