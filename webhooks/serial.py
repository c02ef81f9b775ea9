"""Calls for one Evotor user run one after another, each in one transaction, and again when the database
asks for it: how overlapping resends of `/user/create` make one account and one link."""

import contextlib
import logging
import random
import threading
import time

from django.db import OperationalError, connection, transaction

from webhooks.models import EvotorUserLock

logger = logging.getLogger(__name__)
DEADLOCK = 1213  # MariaDB/MySQL: "Deadlock found when trying to get lock; try restarting transaction"
ATTEMPTS = 4
# SQLite has one writer at a time anyway: the threads of one process take turns here (the shared in-memory
# test database refuses a second writer at once, "database table is locked", instead of waiting for it).
_sqlite_writer = threading.RLock()


class Again(Exception):
    """The work met a concurrent write its transaction cannot see (a duplicate key): run it again afresh."""


@contextlib.contextmanager
def sqlite_turn():
    """On SQLite, this process's threads write one at a time; elsewhere the database's locks suffice."""
    if connection.vendor != "sqlite":
        yield
        return
    with _sqlite_writer:
        yield


def for_evotor_user(evotor_user_id: str, work):
    """`work()` in one transaction that holds the Evotor user's lock row; run again after a deadlock (1213)
    or `Again`, up to ATTEMPTS times, unless an outer transaction would be lost with it."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with sqlite_turn():
                EvotorUserLock.objects.get_or_create(evotor_user_id=evotor_user_id)  # committed on its own
                with transaction.atomic():
                    # The first statement, so the transaction's snapshot is taken once the lock is ours.
                    EvotorUserLock.objects.select_for_update().get(evotor_user_id=evotor_user_id)
                    return work()
        except (OperationalError, Again) as error:
            retry = isinstance(error, Again) or error.args[:1] == (DEADLOCK,)
            if not retry or attempt == ATTEMPTS or connection.in_atomic_block:
                raise
            reason = "deadlock" if isinstance(error, OperationalError) else "concurrent write"
            extra = {"evotor_user_id": evotor_user_id, "attempt": attempt + 1, "reason": reason}
            logger.warning("evotor user call runs again", extra=extra)
            time.sleep(random.uniform(0.01, 0.05) * attempt)
    raise AssertionError("unreachable")
