"""Factories for the merchant's connections: Evotor and VK."""

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from connections.models import EvotorConnection, VkConnection
from emulators.vk.fixtures import TEST_GROUP_ID, TEST_TOKEN, TEST_USER_ID


class EvotorConnectionFactory(factory.django.DjangoModelFactory):
    """A connection made by Evotor's webhooks; give it a token the `evotor_emulator` knows to use it."""

    class Meta:
        model = EvotorConnection

    merchant = factory.SubFactory(UserFactory)
    evotor_user_id = factory.Sequence(lambda n: f"01-{n:015d}")
    token = factory.Sequence(lambda n: f"evotor-cloud-token-{n:04d}")
    source = EvotorConnection.Source.WEBHOOK


class VkConnectionFactory(factory.django.DjangoModelFactory):
    """A working pasted-token connection to the `vk_emulator` fixture's community."""

    class Meta:
        model = VkConnection

    merchant = factory.SubFactory(UserFactory)
    access_token = TEST_TOKEN
    source = VkConnection.Source.MANUAL
    status = VkConnection.Status.OK
    vk_user_id = TEST_USER_ID
    vk_user_name = "Иван Петров"
    group_id = TEST_GROUP_ID
    group_name = "Чайная лавка"
    group_screen_name = "evoshop"
    last_checked_at = factory.LazyFunction(timezone.now)
