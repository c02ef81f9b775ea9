"""Recording a batch's answers: one kind of change is one UPDATE, needing no transaction of its own; more than one
statement (links changing other fields, per-item errors) goes in one transaction, all or nothing."""

import pytest
from django.db import connection

from vksync.applying.mapping import record_batch
from vksync.models import SyncItemError
from vksync.tests.factories import ProductLinkFactory, SyncRunFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the test's own transaction would hide the batch's


def _statements(write) -> list[tuple[str, bool]]:
    seen = []

    def watch(execute, sql, params, many, context):
        seen.append((sql.split()[0].upper(), connection.in_atomic_block))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        write()
    return seen


def test_a_batch_of_links_changing_the_same_fields_is_one_update_outside_a_transaction():
    links = ProductLinkFactory.create_batch(25, pushed_hash="")
    for n, link in enumerate(links):
        link.state, link.pushed_hash = "active", f"hash-{n}"
    assert _statements(lambda: record_batch({("state", "pushed_hash"): links}, [])) == [("UPDATE", False)]
    stored = {
        link.pk: (link.state, link.pushed_hash) for link in type(links[0]).objects.filter(pk__in=[x.pk for x in links])
    }
    assert stored == {link.pk: ("active", f"hash-{n}") for n, link in enumerate(links)}


def test_a_batch_with_other_fields_or_errors_is_written_in_one_transaction():
    created, failed = ProductLinkFactory(), ProductLinkFactory()
    run = SyncRunFactory(merchant=failed.merchant)
    created.state, failed.last_error = "active", "VK отказал"
    error = SyncItemError(run=run, merchant=failed.merchant, link_id=failed.pk, operation="edit", reason="VK отказал")
    statements = _statements(lambda: record_batch({("state",): [created], ("last_error",): [failed]}, [error]))
    writes = [(kind, inside) for kind, inside in statements if kind != "BEGIN"]  # SQLite's, as it opens one
    assert writes == [("UPDATE", True), ("UPDATE", True), ("INSERT", True)]
    assert SyncItemError.objects.filter(link_id=failed.pk).exists()
