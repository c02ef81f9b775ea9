"""What catalog writes to the audit trail: stores and groups switched on or off for VK (and not the refresh)."""

import pytest

from audit.models import AuditEvent, Event
from catalog import services
from catalog.tests.factories import ProductGroupFactory, StoreFactory

pytestmark = pytest.mark.django_db


def test_switching_a_store_and_a_group_is_recorded_before_and_after(merchant):
    store = StoreFactory(merchant=merchant, sync_enabled=False)
    group = ProductGroupFactory(merchant=merchant, store=store, sync_enabled=True)
    switches = AuditEvent.objects.filter(event__in=[Event.STORE_SWITCHED, Event.GROUP_SWITCHED])
    assert not switches.exists()  # rows the catalog makes are no merchant's action

    services.set_store_sync(store=store, enabled=True)
    services.set_group_sync(group=group, enabled=False)

    [switched_store] = AuditEvent.objects.filter(event=Event.STORE_SWITCHED)
    [switched_group] = AuditEvent.objects.filter(event=Event.GROUP_SWITCHED)
    assert switched_store.merchant_id == merchant.pk and switched_group.merchant_id == merchant.pk
    assert switched_store.changes == {"sync_enabled": ["False", "True"]}
    assert switched_group.changes == {"sync_enabled": ["True", "False"]}
