"""Factories for the VK shop cache (a module of its own so the sync engine's factories merge cleanly)."""

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from emulators.vk.fixtures import TEST_GROUP_ID
from vkshop.models import VkAlbum, VkItem, VkItemInAlbum


class VkAlbumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VkAlbum

    merchant = factory.SubFactory(UserFactory)
    group_id = TEST_GROUP_ID
    vk_id = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Подборка {n}")
    refreshed_at = factory.LazyFunction(timezone.now)


class VkItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VkItem

    merchant = factory.SubFactory(UserFactory)
    group_id = TEST_GROUP_ID
    vk_id = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Товар {n:05d}")
    price = 100
    refreshed_at = factory.LazyFunction(timezone.now)


def put_in_album(item: VkItem, album: VkAlbum) -> VkItemInAlbum:
    item.album_ids = [*item.album_ids, album.vk_id]
    item.save(update_fields=["album_ids"])
    return VkItemInAlbum.objects.create(item=item, group_id=album.group_id, album_vk_id=album.vk_id)
