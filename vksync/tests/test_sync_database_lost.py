"""The database connection lost in the middle of a run (MariaDB restarted, the connection killed): the run is
closed on a new connection and the task tries again soon — no run left "running" until it goes stale, no
sync lost until the next hourly one.

The database answers the loss itself through Django's `execute_wrapper` hook, as MariaDB does: the statement
under way fails with 2013, every later one on that connection with 2006, and a new connection works.
"""

from contextlib import contextmanager

import pytest
from celery.exceptions import Retry
from django.db import OperationalError, connection

from vksync.models import ProductLink, SyncRun
from vksync.tasks import sync_merchant


@contextmanager
def connection_lost_at_first_link_write(monkeypatch):
    """The first UPDATE of the links fails with 2013, every statement after it with 2006 until the connection
    is closed (the test database in memory cannot really be closed: closing is what ends the loss)."""
    table, state = ProductLink._meta.db_table, {"lost": 0, "closed": False}
    close = connection.close

    def closed() -> None:
        state["closed"] = True
        close()

    def database(execute, sql, params, many, context):
        if state["lost"] and not state["closed"]:
            state["lost"] += 1
            raise OperationalError(2006, "Server has gone away")
        if not state["lost"] and sql.lstrip().upper().startswith("UPDATE") and table in sql:
            state["lost"] = 1
            raise OperationalError(2013, "Lost connection to server during query")
        return execute(sql, params, many, context)

    monkeypatch.setattr(connection, "close", closed)
    with connection.execute_wrapper(database):
        yield state


@pytest.mark.django_db(transaction=True)
def test_run_whose_database_connection_is_lost_is_closed_and_the_sync_tried_again(
    shop, django_capture_on_commit_callbacks, monkeypatch
):
    with connection_lost_at_first_link_write(monkeypatch) as lost:
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(Retry) as retried:
            sync_merchant.delay(merchant_id=shop.merchant.pk)
    assert lost["lost"] > 1 and lost["closed"]  # lost mid-run, statements failed after it, then a new one
    run = SyncRun.objects.get(merchant=shop.merchant)
    assert run.status == SyncRun.Status.FAILED  # was: left "running" until stale, the merchant held meanwhile
    assert retried.value.when == 30  # was: the task failed for good, the sync lost until the next trigger
