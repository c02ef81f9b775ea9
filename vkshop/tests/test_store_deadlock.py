"""A VK shop store that MariaDB rolled back for a deadlock (1213) is stored again; other errors are not retried."""

from unittest import mock

import pytest
from django.db import OperationalError

from accounts.tests.factories import UserFactory
from vkshop.models import VkAlbum, VkItem, VkItemInAlbum
from vkshop.services import VkShopPages, store_vk_shop

PAGES = VkShopPages(
    albums=[{"id": 3, "title": "Чай", "count": 1}],
    items=[{"id": 11, "title": "Чай зелёный", "price": {"amount": "12300"}, "albums_ids": [3]}],
)


@pytest.mark.django_db(transaction=True)
def test_deadlocked_store_is_run_again_and_stores_everything():
    merchant = UserFactory()
    real = VkItemInAlbum.objects.bulk_create
    deadlock = OperationalError(1213, "Deadlock found when trying to get lock; try restarting transaction")
    answers = iter([deadlock])

    def bulk_create(*args, **kwargs):
        failure = next(answers, None)
        if failure:
            raise failure
        return real(*args, **kwargs)

    with mock.patch.object(VkItemInAlbum.objects, "bulk_create", side_effect=bulk_create) as patched:
        assert store_vk_shop(merchant=merchant, group_id=7, pages=PAGES) == (1, 0)
    assert patched.call_count == 2
    assert VkAlbum.objects.filter(merchant=merchant).count() == 1
    item = VkItem.objects.get(merchant=merchant)
    assert list(item.in_albums.values_list("album_vk_id", flat=True)) == [3]


@pytest.mark.django_db(transaction=True)
def test_other_database_errors_are_not_retried():
    merchant = UserFactory()
    with mock.patch.object(VkItemInAlbum.objects, "bulk_create", side_effect=OperationalError(2006, "gone away")):
        with pytest.raises(OperationalError):
            store_vk_shop(merchant=merchant, group_id=7, pages=PAGES)
    assert not VkItem.objects.filter(merchant=merchant).exists()  # rolled back whole
