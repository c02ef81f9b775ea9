"""upsert_models and insert_models: model instances written as bulk_create would, without its per-value compiling.

core has no models of its own, so these tests write the VK shop cache's rows: a unique key per merchant, decimals,
dates, JSON lists and a JSON column that may be NULL.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from core.upsert import insert_models, upsert_models
from vkshop.models import VkItem, VkItemInAlbum
from vkshop.tests.factories import VkItemFactory

pytestmark = pytest.mark.django_db

UNIQUE = ["merchant", "group_id", "vk_id"]


def test_new_rows_are_inserted_and_clashing_ones_take_every_other_column():
    merchant, other = UserFactory(), UserFactory()
    kept = VkItemFactory(merchant=merchant, vk_id=1, title="Было", reject_info={"info": "нет фото"})
    others = VkItemFactory(merchant=other, group_id=kept.group_id, vk_id=1, title="Чужой")
    moment = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    rows = [
        VkItem(merchant=merchant, group_id=kept.group_id, vk_id=1, title="Стало «новое»", price=Decimal("10.50"),
               album_ids=[5, 6], photo_ids=[7], date=moment, reject_info=None),
        VkItem(merchant=merchant, group_id=kept.group_id, vk_id=2, title="Новый", price=Decimal("3"),
               old_price=Decimal("4.25"), reject_info={"info": "модерация"}),
    ]  # fmt: skip
    assert upsert_models(VkItem, rows, UNIQUE) == 2
    mine = {item.vk_id: item for item in VkItem.objects.filter(merchant=merchant)}
    assert mine[1].pk == kept.pk
    assert (mine[1].title, mine[1].price, mine[1].album_ids, mine[1].photo_ids) == ("Стало «новое»", 10.5, [5, 6], [7])
    assert mine[1].date == moment
    assert VkItem.objects.filter(pk=kept.pk, reject_info__isnull=True).exists()  # SQL NULL, not JSON null
    assert (mine[2].price, mine[2].old_price, mine[2].reject_info) == (3, Decimal("4.25"), {"info": "модерация"})
    assert VkItem.objects.get(pk=others.pk).title == "Чужой"  # another merchant's row with the same vk_id


def test_rows_go_in_batches_and_nothing_is_sent_for_none(django_assert_num_queries):
    merchant = UserFactory()
    rows = [VkItem(merchant=merchant, group_id=1, vk_id=n, title=f"Товар {n}") for n in range(7)]
    with django_assert_num_queries(3):
        assert upsert_models(VkItem, rows, UNIQUE, batch_size=3) == 7
    assert sorted(VkItem.objects.filter(merchant=merchant).values_list("vk_id", flat=True)) == list(range(7))
    with django_assert_num_queries(0):
        assert upsert_models(VkItem, [], UNIQUE) == 0
        assert insert_models(VkItemInAlbum, []) == 0


def test_insert_models_adds_rows_with_their_own_values():
    items = VkItemFactory.create_batch(3)
    places = [VkItemInAlbum(item=item, group_id=item.group_id, album_vk_id=100 + n) for n, item in enumerate(items)]
    assert insert_models(VkItemInAlbum, places, batch_size=2) == 3
    stored = VkItemInAlbum.objects.filter(item__in=items).order_by("album_vk_id")
    assert list(stored.values_list("item_id", "album_vk_id")) == [(item.pk, 100 + n) for n, item in enumerate(items)]
