"""A broken Evotor or VK connection is never a silent stop: one mail per breakage, and both the connections
page and /sync say plainly that the VK shop has stopped following the register, why, and what to do."""

import pytest

from accounts.tests.factories import UserFactory
from catalog.services import refresh_catalog
from connections.models import EvotorConnection, VkConnection
from connections.tests.factories import EvotorConnectionFactory, VkConnectionFactory
from emulators.vk.fixtures import TEST_TOKEN
from vksync.engine import run_sync
from vksync.models import SyncSettings

pytestmark = pytest.mark.django_db

STOPPED = "Магазин VK не следует за кассой"


@pytest.fixture
def merchant(evotor_emulator, vk_emulator):
    merchant = UserFactory(email="shop@example.com")
    ids = evotor_emulator.add_merchant(token="tok-notice", stores=1, groups=2, products=10)
    EvotorConnectionFactory(merchant=merchant, token="tok-notice", evotor_user_id=ids["user_id"])
    VkConnectionFactory(merchant=merchant)
    SyncSettings.objects.update_or_create(merchant=merchant, defaults={"enabled": True})
    return merchant


def pages(client, merchant) -> dict[str, str]:
    client.force_login(merchant)
    return {path: client.get(path).content.decode() for path in ("/connections", "/sync")}


def test_working_connections_show_no_notice(client, merchant, mailoutbox):
    assert refresh_catalog(merchant=merchant).ok

    for path, page in pages(client, merchant).items():
        assert STOPPED not in page, path
    assert mailoutbox == []


def test_a_refused_evotor_token_is_mailed_once_and_shown_on_both_pages(
    client, merchant, evotor_emulator, mailoutbox, django_capture_on_commit_callbacks
):
    evotor_emulator.revoke_token("tok-notice")
    with django_capture_on_commit_callbacks(execute=True):
        assert refresh_catalog(merchant=merchant).status == "broken"
        assert refresh_catalog(merchant=merchant).status == "broken"  # the hourly refresh tries again: no new mail

    reason = EvotorConnection.objects.get(merchant=merchant).last_error
    assert [mail.subject for mail in mailoutbox] == ["EvoSync: Подключение Эвотора перестало работать"]
    assert reason in mailoutbox[0].body and mailoutbox[0].to == ["shop@example.com"]
    for path, page in pages(client, merchant).items():
        assert STOPPED in page, path
        assert reason in page and "Каталог из Эвотора не обновляется" in page, path
        assert 'href="/connections#evotor"' in page, path


def test_a_refused_vk_token_is_mailed_once_and_shown_on_both_pages(
    client, merchant, vk_emulator, mailoutbox, django_capture_on_commit_callbacks
):
    assert refresh_catalog(merchant=merchant).ok
    vk_emulator.revoke_token(TEST_TOKEN)
    with django_capture_on_commit_callbacks(execute=True):
        run_sync(merchant=merchant, confirmed=True)
        run_sync(merchant=merchant, confirmed=True)  # broken: skipped, and no second mail

    connection = VkConnection.objects.get(merchant=merchant)
    assert connection.status == VkConnection.Status.BROKEN
    broke = [mail for mail in mailoutbox if mail.subject == "EvoSync: Подключение VK перестало работать"]
    assert len(broke) == 1 and connection.last_error in broke[0].body
    for path, page in pages(client, merchant).items():
        assert STOPPED in page, path
        assert connection.last_error in page and "Синхронизация с VK не запускается" in page, path
        assert 'href="/connections#vk"' in page, path


def test_an_evotor_app_removed_in_evotor_is_shown_on_both_pages(client, merchant):
    EvotorConnection.objects.filter(merchant=merchant).update(installed=False)

    for path, page in pages(client, merchant).items():
        assert STOPPED in page and "приложение EvoSync удалено в Эвоторе" in page, path
