"""Each notice goes through the channels the merchant chose on the profile, once per channel however often its
task runs; a message from the community goes through VK's messages.send, idempotent by random_id."""

import pytest

from accounts.models import User
from connections.tests.factories import VkConnectionFactory
from emulators.vk import messages
from emulators.vk.conformance import assert_calls_fit_schema
from emulators.vk.fixtures import TEST_COMMUNITY_TOKEN, TEST_GROUP_ID, TEST_USER_ID
from notifications import services, tasks
from notifications.models import Notice


@pytest.fixture
def both_channels(merchant, vk_emulator):
    User.objects.filter(pk=merchant.pk).update(notify_by_mail=True, notify_by_vk=True)
    VkConnectionFactory(merchant=merchant, community_token=TEST_COMMUNITY_TOKEN)
    messages.allow_messages(vk_emulator, TEST_GROUP_ID, TEST_USER_ID)
    return merchant


def sent_messages(vk_emulator) -> list:
    return vk_emulator.communities[TEST_GROUP_ID].messages


def test_a_notice_goes_by_mail_and_by_vk_message_once_each_even_when_told_twice(
    both_channels, vk_emulator, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(merchant_id=both_channels.pk, key="order-new:1", subject="Новый заказ VK 1", text="Чай × 2")
        services.notify(merchant_id=both_channels.pk, key="order-new:1", subject="Новый заказ VK 1", text="Чай × 2")
    assert [mail.subject for mail in mailoutbox] == ["EvoSync: Новый заказ VK 1"]
    [message] = sent_messages(vk_emulator)
    assert message.peer_id == TEST_USER_ID and "Новый заказ VK 1" in message.text and "Чай × 2" in message.text
    assert set(Notice.objects.values_list("status", flat=True)) == {Notice.Status.SENT}
    assert_calls_fit_schema(vk_emulator)


def test_a_send_task_run_again_sends_nothing_again(both_channels, vk_emulator, mailoutbox):
    notices = services.notify(merchant_id=both_channels.pk, key="k", subject="Тема", text="Текст")
    for notice in notices:
        tasks.send_notice(notice.pk)
        tasks.send_notice(notice.pk)  # the broker delivered the task twice
    assert len(mailoutbox) == 1 and len(sent_messages(vk_emulator)) == 1


def test_a_vk_message_resent_after_its_answer_was_lost_is_one_message(both_channels, vk_emulator):
    [notice] = services.notify(merchant_id=both_channels.pk, key="k", subject="Тема", text="Текст", channels=["vk"])
    vk_emulator.lose_answer_next("messages.send")  # VK sent it, the answer was lost; the client sends again
    tasks.send_notice(notice.pk)
    assert len(sent_messages(vk_emulator)) == 1
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT


def test_only_the_chosen_channels_are_used(merchant, vk_emulator, mailoutbox, django_capture_on_commit_callbacks):
    User.objects.filter(pk=merchant.pk).update(notify_by_mail=False, notify_by_vk=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify(merchant_id=merchant.pk, key="k", subject="Тема", text="Текст") == []
    assert mailoutbox == []


def test_a_vk_message_the_merchant_did_not_allow_is_recorded_with_the_reason(both_channels, vk_emulator):
    vk_emulator.communities[TEST_GROUP_ID].messages_allowed.clear()
    [notice] = services.notify(merchant_id=both_channels.pk, key="k", subject="Тема", text="Текст", channels=["vk"])
    tasks.send_notice(notice.pk)
    notice.refresh_from_db()
    assert notice.status == Notice.Status.FAILED and "Разрешить сообщения" in notice.last_error


def test_a_vk_message_without_the_community_token_says_what_is_missing(merchant, vk_emulator, client):
    User.objects.filter(pk=merchant.pk).update(notify_by_vk=True)
    VkConnectionFactory(merchant=merchant)
    [_, notice] = services.notify(merchant_id=merchant.pk, key="k", subject="Тема", text="Текст")
    tasks.send_notice(notice.pk)
    notice.refresh_from_db()
    assert notice.status == Notice.Status.FAILED and "Нет токена сообщества" in notice.last_error
    assert "Сообщения VK не дойдут: Нет токена сообщества" in client.get("/profile").content.decode()


def test_the_merchant_chooses_the_channels_on_the_profile(client, merchant):
    form = {"full_name": "Анна", "phone": "", "language": "ru", "notify_by_vk": "on"}
    assert client.post("/profile/edit", form).status_code == 302
    merchant.refresh_from_db()
    assert (merchant.notify_by_mail, merchant.notify_by_vk) == (False, True)
    assert "сообщением от сообщества в VK" in client.get("/profile").content.decode()


def test_a_broken_connection_and_a_twice_failed_run_reach_the_vk_channel_too(
    both_channels, vk_emulator, django_capture_on_commit_callbacks
):
    from connections.models import VkConnection
    from connections.state import mark_broken
    from vksync.notifications import sync_failed_twice

    with django_capture_on_commit_callbacks(execute=True):
        mark_broken(connection=VkConnection.objects.get(merchant=both_channels), reason="Токен отозван")
        sync_failed_twice(merchant_id=both_channels.pk, reason="VK недоступен", run_id=41)
        sync_failed_twice(merchant_id=both_channels.pk, reason="VK недоступен", run_id=41)
    texts = [message.text for message in sent_messages(vk_emulator)]
    assert len(texts) == 2
    assert "Подключение VK перестало работать" in texts[0] and "Токен отозван" in texts[0]
    assert "не удалась два раза подряд" in texts[1]
