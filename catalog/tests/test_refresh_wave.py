"""A wave of catalog refreshes under Evotor's per-token limit (the emulator's `limit_per_token`): every request
waits for its token's turn and for Evotor's reset, so Evotor never answers 429 and every catalog is read whole."""

import threading

import pytest
from django.db import connection as database

from catalog.models import Product
from catalog.services import refresh_catalog
from connections.tests.factories import EvotorConnectionFactory


@pytest.mark.django_db(transaction=True)
def test_a_refresh_wave_under_evotors_limit_gets_no_429_and_reads_every_catalog(evotor_emulator, settings):
    evotor_emulator.page_size = 20
    evotor_emulator.limit_per_token(4, seconds=1.0)
    settings.EVOTOR_RATE_LIMIT_PER_SECOND = 3
    merchants = []
    for number in range(3):
        token = f"tok-wave-{number}"
        evotor_emulator.add_merchant(token=token, seed=number, stores=1, groups=2, products=60, image_share=0.2)
        merchants.append(EvotorConnectionFactory(token=token).merchant)
    failures = []

    def refresh(merchant):
        try:
            result = refresh_catalog(merchant=merchant)
            if not result.ok:
                failures.append(result.error)
        finally:
            database.close()

    threads = [threading.Thread(target=refresh, args=(merchant,)) for merchant in merchants]
    # SQLite's in-memory test database (shared cache) refuses a second writer at once ("database table is
    # locked") where a file or MariaDB waits: there the refreshes take turns; each token's pace is its own anyway.
    together = database.vendor != "sqlite"
    for thread in threads:
        thread.start()
        if not together:
            thread.join()
    for thread in threads:
        thread.join()
    assert failures == []
    assert evotor_emulator.quota.refused == 0
    assert not any(status == 429 for _method, _path, status in evotor_emulator.request_log)
    assert all(Product.objects.filter(merchant=merchant).count() == 60 for merchant in merchants)
