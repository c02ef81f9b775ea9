"""The Evotor client against the emulator: paging, retries, typed errors, no token in logs."""

import logging
import time

import pytest

from connections.evotor.client import (
    EvotorAuthError,
    EvotorClient,
    EvotorStoreUnavailable,
    EvotorTransientError,
)


@pytest.fixture
def catalog(evotor_emulator):
    evotor_emulator.page_size = 50
    return evotor_emulator.add_merchant(token="tok-1", stores=2, groups=4, products=120)


def test_products_are_read_across_every_page(evotor_emulator, catalog):
    store_id = catalog["stores"][0]
    client = EvotorClient("tok-1")
    pages = list(client.product_pages(store_id))
    assert [len(p) for p in pages] == [50, 50, 20]
    assert sorted(p["id"] for p in client.products(store_id)) == sorted(catalog["products"][store_id])
    assert len(client.stores()) == 2
    assert len(list(client.product_groups(store_id))) == 4


def test_bad_token_is_a_permanent_auth_error(evotor_emulator, catalog):
    with pytest.raises(EvotorAuthError) as error:
        EvotorClient("wrong").stores()
    assert error.value.permanent is True
    assert "401" in error.value.reason


def test_403_is_a_permanent_auth_error(evotor_emulator, catalog):
    evotor_emulator.forbid("tok-1")
    with pytest.raises(EvotorAuthError) as error:
        EvotorClient("tok-1").stores()
    assert error.value.status == 403


def test_402_store_raises_store_unavailable(evotor_emulator, catalog):
    evotor_emulator.fail_store(catalog["stores"][1], 402)
    with pytest.raises(EvotorStoreUnavailable):
        list(EvotorClient("tok-1").products(catalog["stores"][1]))


def test_429_waits_for_the_reset_then_succeeds(evotor_emulator, catalog):
    waits = []
    evotor_emulator.fail_next(429, times=2, reset=3)
    client = EvotorClient("tok-1", sleep=waits.append)
    assert len(client.stores()) == 2
    assert waits == [3.0, 3.0]
    assert client.request_count == 3


def test_429_longer_than_the_max_wait_gives_up_at_once(evotor_emulator, catalog):
    waits = []
    evotor_emulator.fail_next(429, times=1, reset=1800)
    with pytest.raises(EvotorTransientError) as error:
        EvotorClient("tok-1", sleep=waits.append, max_wait=60).stores()
    assert waits == []
    assert error.value.permanent is False


def test_5xx_and_malformed_answers_are_retried(evotor_emulator, catalog):
    evotor_emulator.fail_next(502, times=1)
    evotor_emulator.malformed_next(times=1)
    client = EvotorClient("tok-1", backoff=0)
    assert len(client.stores()) == 2
    assert client.request_count == 3


def test_transient_errors_give_up_after_the_retries(evotor_emulator, catalog):
    evotor_emulator.fail_next(503, times=10)
    client = EvotorClient("tok-1", backoff=0, max_retries=2)
    with pytest.raises(EvotorTransientError):
        client.stores()
    assert client.request_count == 3


def test_network_error_is_transient():
    client = EvotorClient("tok-1", base_url="http://127.0.0.1:9", backoff=0, max_retries=1, timeout=1)
    with pytest.raises(EvotorTransientError):
        client.stores()
    assert client.request_count == 2


def test_product_images_are_listed_and_download_as_pictures(evotor_emulator):
    ids = evotor_emulator.add_merchant(stores=1, products=10, image_share=1.0)
    client = EvotorClient("tok-1")
    images = client.product_images(ids["stores"][0], ids["images"][0])
    data = client.download(images[0]["url"])
    assert data[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xdb")


def test_token_never_reaches_the_logs(evotor_emulator, catalog, caplog):
    caplog.set_level(logging.DEBUG)
    evotor_emulator.fail_next(503, times=1)
    EvotorClient("tok-1", backoff=0).stores()
    with pytest.raises(EvotorAuthError):
        EvotorClient("secret-token-xyz").stores()
    assert "secret-token-xyz" not in caplog.text
    assert "tok-1" not in caplog.text
    assert "secret-token-xyz" not in repr(EvotorClient("secret-token-xyz"))


def test_reset_given_as_an_epoch_timestamp_is_understood(evotor_emulator, catalog):
    waits = []
    evotor_emulator.fail_next(429, times=1, reset=int(time.time()) + 5)
    EvotorClient("tok-1", sleep=waits.append).stores()
    assert len(waits) == 1 and 0 < waits[0] <= 6


@pytest.mark.parametrize(
    "value",
    ["2018-07-09T11:46:52.024+0000", "2018-07-09T11:46:52+0000", "2018-07-09T11:46:52.024Z", 1531136812024],
)
def test_evotor_times_are_read_as_aware_datetimes(value):
    from datetime import UTC, datetime

    from connections.evotor.client import parse_evotor_time

    moment = parse_evotor_time(value)
    assert moment.tzinfo is not None
    assert moment.astimezone(UTC).replace(microsecond=0) == datetime(2018, 7, 9, 11, 46, 52, tzinfo=UTC)


@pytest.mark.parametrize("value", [None, "", "yesterday", True, [1]])
def test_unreadable_evotor_times_are_none(value):
    from connections.evotor.client import parse_evotor_time

    assert parse_evotor_time(value) is None
