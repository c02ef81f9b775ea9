"""VK connection factories (a separate module from the Evotor ones, so both helpers' files merge cleanly)."""

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from connections.models import VkConnection
from emulators.vk.fixtures import TEST_GROUP_ID, TEST_TOKEN, TEST_USER_ID


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
