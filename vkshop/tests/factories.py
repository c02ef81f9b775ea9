"""Factories for the VK shop cache: albums, items, and an item's place in an album."""

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from emulators.vk.fixtures import TEST_GROUP_ID
from vkshop.models import VkAlbum, VkItem, VkItemInAlbum, VkShopState


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


class VkItemInAlbumFactory(factory.django.DjangoModelFactory):
    """`VkItemInAlbumFactory(item=…, album=…)`: the item is in the album, and lists it in `album_ids` as VK does."""

    class Meta:
        model = VkItemInAlbum
        skip_postgeneration_save = True

    class Params:
        album = factory.SubFactory(VkAlbumFactory, merchant=factory.SelfAttribute("..item.merchant"))

    item = factory.SubFactory(VkItemFactory)
    group_id = factory.SelfAttribute("album.group_id")
    album_vk_id = factory.SelfAttribute("album.vk_id")

    @factory.post_generation
    def listed_on_the_item(self, create, extracted, **kwargs):
        if create and self.album_vk_id not in self.item.album_ids:
            self.item.album_ids = [*self.item.album_ids, self.album_vk_id]
            self.item.save(update_fields=["album_ids"])


def put_in_album(item: VkItem, album: VkAlbum) -> VkItemInAlbum:
    return VkItemInAlbumFactory(item=item, album=album)


class VkShopStateFactory(factory.django.DjangoModelFactory):
    """A cache read whole just now and trusted (every EvoSync write since is in it)."""

    class Meta:
        model = VkShopState

    merchant = factory.SubFactory(UserFactory)
    group_id = TEST_GROUP_ID
    full_read_at = factory.LazyFunction(timezone.now)
    trusted = True
