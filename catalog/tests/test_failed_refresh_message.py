"""After a failed refresh the catalog pages tell the truth: that it failed, why, and what brings the next try —
never "последнее обновление 19:58" beside "каталог появится после первого обновления" (issue 13)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Store
from catalog.services import refresh_catalog
from connections.models import EvotorConnection
from connections.tests.factories import EvotorConnectionFactory

pytestmark = pytest.mark.django_db

FAILED = "Последнее обновление каталога не удалось"
SUCCEEDED = "Последнее обновление:"


@pytest.fixture
def connection(merchant, evotor_emulator, settings):
    settings.EVOTOR_MAX_RETRIES = 1
    evotor_emulator.add_merchant(token="tok-1", stores=1, groups=2, products=5)
    return EvotorConnectionFactory(merchant=merchant, token="tok-1")


def page(client, path="/catalog/stores") -> str:
    return client.get(path).content.decode()


def test_a_passing_failure_says_it_failed_why_and_by_when_the_next_try_comes(
    client, evotor_emulator, connection, settings
):
    evotor_emulator.fail_next(503, times=50)
    assert refresh_catalog(merchant=connection.merchant).status == "failed"
    connection.refresh_from_db()
    assert connection.status != EvotorConnection.Status.BROKEN and connection.last_error

    text = page(client)
    next_try = timezone.localtime(
        connection.last_checked_at + timedelta(seconds=settings.CATALOG_REFRESH_INTERVAL_SECONDS)
    )
    assert FAILED in text and connection.last_error in text
    assert f"не позже {next_try:%H:%M}" in text
    assert "после первого удачного обновления" in text
    assert SUCCEEDED not in text


def test_the_next_good_refresh_clears_the_failure(client, evotor_emulator, connection):
    evotor_emulator.fail_next(503, times=50)
    refresh_catalog(merchant=connection.merchant)
    evotor_emulator.clear_faults()
    assert refresh_catalog(merchant=connection.merchant).ok

    text = page(client)
    assert FAILED not in text and SUCCEEDED in text
    assert Store.objects.filter(merchant=connection.merchant).exists()


def test_a_refused_token_says_nothing_is_tried_until_it_is_replaced(client, evotor_emulator, connection):
    evotor_emulator.revoke_token("tok-1")
    assert refresh_catalog(merchant=connection.merchant).status == "broken"

    text = page(client)
    assert FAILED in text and "не принял токен" in text
    assert "замените токен" in text and "не позже" not in text


def test_groups_and_products_pages_say_the_catalog_shown_is_from_the_last_good_refresh(
    client, evotor_emulator, connection
):
    assert refresh_catalog(merchant=connection.merchant).ok
    store = Store.objects.get(merchant=connection.merchant)
    for path in (f"/catalog/stores/{store.pk}/groups", f"/catalog/stores/{store.pk}/products"):
        assert FAILED not in page(client, path)

    evotor_emulator.fail_next(503, times=50)
    refresh_catalog(merchant=connection.merchant)
    for path in (f"/catalog/stores/{store.pk}/groups", f"/catalog/stores/{store.pk}/products"):
        text = page(client, path)
        assert FAILED in text and "каталог с последнего удачного обновления" in text


def test_a_catalog_never_read_says_so_even_when_the_token_was_checked(client, merchant):
    EvotorConnectionFactory(merchant=merchant, token="tok-new", status="ok", last_checked_at=timezone.now())
    text = page(client)
    assert "Каталог ещё не загружался" in text and FAILED not in text and SUCCEEDED not in text
