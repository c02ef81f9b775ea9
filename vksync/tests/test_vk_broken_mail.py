"""A VK token that stops working breaks the VK connection and the merchant is mailed once per breakage
(issue 12, finding 8, the VK side): through the VK emulator's fault hooks and the real sync and shop read."""

import pytest

from connections.models import VkConnection
from connections.state import mark_ok
from emulators.vk.fixtures import TEST_TOKEN
from vkshop.services import refresh_vk_shop
from vksync.engine import run_sync
from vksync.models import SyncRun


def broken_mails(mailoutbox):
    return [mail for mail in mailoutbox if "VK перестало работать" in mail.subject]


def sync(shop, capture):
    with capture(execute=True):
        return run_sync(merchant=shop.merchant)


def test_a_revoked_vk_token_during_a_sync_breaks_the_connection_and_mails_once(
    shop, mailoutbox, django_capture_on_commit_callbacks
):
    shop.vk.revoke_token(TEST_TOKEN)

    run = sync(shop, django_capture_on_commit_callbacks)

    assert run.status == SyncRun.Status.FAILED and not run.transient
    connection = VkConnection.objects.get(merchant=shop.merchant)
    assert connection.status == VkConnection.Status.BROKEN and connection.last_error
    [mail] = broken_mails(mailoutbox)
    assert mail.to == [shop.merchant.email] and connection.last_error in mail.body
    for _ in range(2):  # later runs stop at the broken connection: no more mail about it
        assert sync(shop, django_capture_on_commit_callbacks).status == SyncRun.Status.FAILED
    assert len(broken_mails(mailoutbox)) == 1


def test_an_error_5_while_reading_the_shop_mails_too(shop, mailoutbox, django_capture_on_commit_callbacks):
    shop.vk.fail_next("market.get", 5, times=3)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception) as raised:  # noqa: B017
        refresh_vk_shop(merchant=shop.merchant)
    assert type(raised.value).__name__ == "VkConnectionBroken"
    assert VkConnection.objects.get(merchant=shop.merchant).status == VkConnection.Status.BROKEN
    assert len(broken_mails(mailoutbox)) == 1


def test_a_new_vk_breakage_after_a_repair_mails_again(shop, mailoutbox, django_capture_on_commit_callbacks):
    shop.vk.fail_next("market.get", 5, times=1)
    sync(shop, django_capture_on_commit_callbacks)
    mark_ok(connection=VkConnection.objects.get(merchant=shop.merchant))
    shop.vk.fail_next("market.get", 5, times=1)
    sync(shop, django_capture_on_commit_callbacks)
    assert len(broken_mails(mailoutbox)) == 2
