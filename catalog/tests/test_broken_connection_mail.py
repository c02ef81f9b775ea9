"""An Evotor token that stops working breaks the connection and the merchant is told by mail, once per
breakage (issue 12, finding 8): through the Evotor emulator's fault hooks and the real refresh."""

import pytest

from accounts.tests.factories import UserFactory
from catalog.services import refresh_catalog
from connections.models import EvotorConnection
from connections.state import mark_ok
from connections.tests.factories import EvotorConnectionFactory

pytestmark = pytest.mark.django_db

TOKEN = "tok-mail"


@pytest.fixture
def merchant(evotor_emulator):
    user = UserFactory(email="shop@example.com")
    ids = evotor_emulator.add_merchant(token=TOKEN, user_id="01-000000000000042", stores=1, groups=2, products=5)
    EvotorConnectionFactory(merchant=user, token=TOKEN, evotor_user_id=ids["user_id"])
    return user


def refresh(merchant, capture):
    with capture(execute=True):
        return refresh_catalog(merchant=merchant)


def broken_mails(mailoutbox):
    return [mail for mail in mailoutbox if "Эвотора перестало работать" in mail.subject]


def test_a_401_breaks_the_connection_and_mails_the_merchant_once(
    merchant, evotor_emulator, mailoutbox, django_capture_on_commit_callbacks
):
    assert refresh(merchant, django_capture_on_commit_callbacks).status == "ok"
    assert mailoutbox == []
    evotor_emulator.revoke_token(TOKEN)

    result = refresh(merchant, django_capture_on_commit_callbacks)

    assert result.status == "broken"
    connection = EvotorConnection.objects.get(merchant=merchant)
    assert connection.status == EvotorConnection.Status.BROKEN and connection.last_error
    [mail] = broken_mails(mailoutbox)
    assert mail.to == ["shop@example.com"]
    assert connection.last_error in mail.body and "/connections" in mail.body
    for _ in range(3):  # every later refresh finds it broken again: no more mail
        assert refresh(merchant, django_capture_on_commit_callbacks).status == "broken"
    assert len(broken_mails(mailoutbox)) == 1


def test_a_401_on_a_later_page_mails_too(merchant, evotor_emulator, mailoutbox, django_capture_on_commit_callbacks):
    evotor_emulator.fail_next(401, times=10, path="/products")
    assert refresh(merchant, django_capture_on_commit_callbacks).status == "broken"
    assert len(broken_mails(mailoutbox)) == 1


def test_a_new_breakage_after_a_repair_mails_again(
    merchant, evotor_emulator, mailoutbox, django_capture_on_commit_callbacks
):
    evotor_emulator.fail_next(401, times=5)
    refresh(merchant, django_capture_on_commit_callbacks)
    evotor_emulator.clear_faults()
    mark_ok(connection=EvotorConnection.objects.get(merchant=merchant))  # the merchant saved a working token
    assert refresh(merchant, django_capture_on_commit_callbacks).status == "ok"
    evotor_emulator.fail_next(401, times=5)
    refresh(merchant, django_capture_on_commit_callbacks)
    assert len(broken_mails(mailoutbox)) == 2


def test_a_transient_failure_neither_breaks_nor_mails(
    merchant, evotor_emulator, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.EVOTOR_MAX_RETRIES = 1
    evotor_emulator.fail_next(503, times=20)
    assert refresh(merchant, django_capture_on_commit_callbacks).status == "failed"
    assert EvotorConnection.objects.get(merchant=merchant).status != EvotorConnection.Status.BROKEN
    assert mailoutbox == []
