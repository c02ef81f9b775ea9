"""Factories for the sync engine's records: settings, the product ↔ item mapping, photos, runs and their errors,
variants (properties, values, cards, a community's refusal)."""

import factory

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductFactory
from emulators.vk.fixtures import TEST_GROUP_ID
from vksync.models import (
    AlbumLink,
    CommunityVariants,
    ProductLink,
    SyncItemError,
    SyncRun,
    SyncSettings,
    VariantCard,
    VkPhoto,
    VkProperty,
    VkPropertyValue,
)


class SyncSettingsFactory(factory.django.DjangoModelFactory):
    """The merchant's rules with sync switched on (the first plan confirmed); one row per merchant."""

    class Meta:
        model = SyncSettings
        django_get_or_create = ["merchant"]

    merchant = factory.SubFactory(UserFactory)
    enabled = True


class ProductLinkFactory(factory.django.DjangoModelFactory):
    """A product shown in the VK shop as an item of the `vk_emulator`'s community."""

    class Meta:
        model = ProductLink

    product = factory.SubFactory(ProductFactory)
    merchant = factory.SelfAttribute("product.merchant")
    group_id = TEST_GROUP_ID
    sku = factory.LazyAttribute(lambda o: o.product.evotor_id if o.product else "")
    vk_item_id = factory.Sequence(lambda n: n + 1)
    state = ProductLink.State.ACTIVE


class AlbumLinkFactory(factory.django.DjangoModelFactory):
    """An Evotor product group shown as a VK album."""

    class Meta:
        model = AlbumLink

    merchant = factory.SubFactory(UserFactory)
    group_evotor_id = factory.Faker("uuid4")
    group_id = TEST_GROUP_ID
    vk_album_id = factory.Sequence(lambda n: n + 1)
    pushed_title = factory.Sequence(lambda n: f"Группа {n}")


class VkPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VkPhoto

    group_id = TEST_GROUP_ID
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    photo_id = factory.Sequence(lambda n: n + 1)


class SyncRunFactory(factory.django.DjangoModelFactory):
    """A run as the "Синхронизировать сейчас" button queues it; pass `status=…` for a later stage."""

    class Meta:
        model = SyncRun

    merchant = factory.SubFactory(UserFactory)
    trigger = SyncRun.Trigger.MANUAL


class SyncItemErrorFactory(factory.django.DjangoModelFactory):
    """An item VK refused during a run."""

    class Meta:
        model = SyncItemError

    run = factory.SubFactory(SyncRunFactory)
    merchant = factory.SelfAttribute("run.merchant")
    operation = "create"
    code = 100
    reason = "VK не принял параметры товара (код 100)"


class VkPropertyFactory(factory.django.DjangoModelFactory):
    """A VK property («Размер») made in the `vk_emulator`'s community."""

    class Meta:
        model = VkProperty

    merchant = factory.SubFactory(UserFactory)
    group_id = TEST_GROUP_ID
    title = factory.Sequence(lambda n: f"Свойство {n}")
    vk_property_id = factory.Sequence(lambda n: n + 1)


class VkPropertyValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VkPropertyValue

    property = factory.SubFactory(VkPropertyFactory)
    title = factory.Sequence(lambda n: f"Значение {n}")
    vk_variant_id = factory.Sequence(lambda n: n + 1)


class VariantCardFactory(factory.django.DjangoModelFactory):
    """A product with modifications shown as one VK card."""

    class Meta:
        model = VariantCard

    merchant = factory.SubFactory(UserFactory)
    group_id = TEST_GROUP_ID
    card_key = factory.Faker("uuid4")
    title = factory.Sequence(lambda n: f"Футболка {n}")
    vk_card_id = factory.Sequence(lambda n: n + 1)


class CommunityVariantsFactory(factory.django.DjangoModelFactory):
    """A community where VK refused variants."""

    class Meta:
        model = CommunityVariants

    merchant = factory.SubFactory(UserFactory)
    group_id = TEST_GROUP_ID
    refused = True
    refused_code = 1410
    reason = "VK не принимает варианты товаров в этом сообществе (код 1410: Variants not enabled)"
