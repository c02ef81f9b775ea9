"""What connections writes to the audit trail: saved, tested, broken, disconnected; tokens never stored."""

import pytest

from audit.models import AuditEvent, Event
from connections.models import VkConnection
from connections.tests.factories import VkConnectionFactory
from emulators.vk.fixtures import TEST_TOKEN

pytestmark = pytest.mark.django_db


def events(event):
    return list(AuditEvent.objects.filter(event=event))


def test_a_saved_vk_connection_is_recorded_with_its_community_and_never_its_token(client, merchant, vk_emulator):
    client.post("/connections/vk", {"access_token": TEST_TOKEN, "community": "evoshop"}, REMOTE_ADDR="192.0.2.9")

    [saved] = events(Event.CONNECTION_SAVED)
    assert (saved.merchant_id, saved.actor_id, saved.remote_addr) == (merchant.pk, merchant.pk, "192.0.2.9")
    shown = {what: after for what, _before, after in saved.before_after()}
    assert shown["сообщество"] == "Чайная лавка" and shown["токен доступа"] == "•••• (скрыто)"
    assert TEST_TOKEN not in str(list(AuditEvent.objects.values()))


def test_a_test_that_shows_a_dead_token_records_the_test_and_the_breakage(client, merchant, vk_emulator):
    VkConnectionFactory(merchant=merchant, access_token="revoked-token")

    client.post("/connections/vk/test")

    [tested] = events(Event.CONNECTION_TESTED)
    [broken] = events(Event.CONNECTION_BROKEN)
    assert "не работает" in tested.summary
    assert broken.merchant_id == merchant.pk
    assert dict((what, (before, after)) for what, before, after in broken.before_after())["состояние"] == (
        "Работает",
        "Ошибка",
    )
    assert "revoked-token" not in str(list(AuditEvent.objects.values()))


def test_disconnecting_vk_is_recorded(client, merchant):
    VkConnectionFactory(merchant=merchant)

    client.post("/connections/vk/disconnect")

    assert not VkConnection.objects.filter(merchant=merchant).exists()
    [gone] = events(Event.CONNECTION_DISCONNECTED)
    assert gone.merchant_id == merchant.pk and gone.actor_id == merchant.pk
    assert TEST_TOKEN not in str(gone.changes)


def test_tokens_renewed_by_the_beat_are_not_an_event(merchant):
    connection = VkConnectionFactory(merchant=merchant)
    AuditEvent.objects.all().delete()

    connection.access_token, connection.refresh_token = "renewed-access", "renewed-refresh"
    connection.save(update_fields=["access_token", "refresh_token"])

    assert not AuditEvent.objects.exists()
