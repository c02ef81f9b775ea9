"""A VK shop store that MariaDB rolled back for a deadlock (1213) is stored again; other errors are not retried.

A real deadlock needs two MariaDB transactions racing on the same index gaps (`make bench`'s two_merchants
phase meets it), which no test can time; so the database answers the error itself: Django's documented
`execute_wrapper` hook fails the statement that inserts the album memberships, as MariaDB fails it, and
everything above the database — our code included — runs as it is.
"""

from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection

from accounts.tests.factories import UserFactory
from vkshop.models import VkAlbum, VkItem, VkItemInAlbum
from vkshop.services import VkShopPages, store_vk_shop

PAGES = VkShopPages(
    albums=[{"id": 3, "title": "Чай", "count": 1}],
    items=[{"id": 11, "title": "Чай зелёный", "price": {"amount": "12300"}, "albums_ids": [3]}],
)
DEADLOCK = OperationalError(1213, "Deadlock found when trying to get lock; try restarting transaction")


@contextmanager
def membership_inserts_fail_with(*errors):
    """The next inserts into the album membership table fail with `errors`, in turn; every attempt is listed."""
    table, failures, attempts = VkItemInAlbum._meta.db_table, list(errors), []

    def database(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("INSERT") and table in sql:
            attempts.append(sql)
            if failures:
                raise failures.pop(0)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(database):
        yield attempts


@pytest.mark.django_db(transaction=True)
def test_deadlocked_store_is_run_again_and_stores_everything():
    merchant = UserFactory()
    with membership_inserts_fail_with(DEADLOCK) as attempts:
        assert store_vk_shop(merchant=merchant, group_id=7, pages=PAGES) == (1, 0)
    assert len(attempts) == 2
    assert VkAlbum.objects.filter(merchant=merchant).count() == 1
    item = VkItem.objects.get(merchant=merchant)
    assert list(item.in_albums.values_list("album_vk_id", flat=True)) == [3]


@pytest.mark.django_db(transaction=True)
def test_other_database_errors_are_not_retried_and_nothing_is_stored():
    merchant = UserFactory()
    with membership_inserts_fail_with(OperationalError(2006, "MySQL server has gone away")) as attempts:
        with pytest.raises(OperationalError):
            store_vk_shop(merchant=merchant, group_id=7, pages=PAGES)
    assert len(attempts) == 1
    assert not VkItem.objects.filter(merchant=merchant).exists()  # rolled back whole
