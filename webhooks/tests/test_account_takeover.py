"""Nobody takes over a merchant's shop through /user/create (issue 12, finding 2).

An Evotor user is linked to an existing EvoSync account only with proof: the account's password
(/user/verify), or its owner confirming the link request mailed to them. The owner is mailed whenever an
Evotor user is linked to the account or the account's Evotor token changes."""

import json
import re
import smtplib
from datetime import timedelta
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from connections.models import EvotorConnection
from connections.tests.factories import EvotorConnectionFactory
from webhooks.models import EvotorLinkRequest
from webhooks.services import api_token_for
from webhooks.tasks import mail_merchant

pytestmark = pytest.mark.django_db
SECRET = "test-webhook-secret"
ATTACKER = "01-000000000000666"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.EVOTOR_WEBHOOK_SECRET = SECRET


@pytest.fixture
def evotor(django_capture_on_commit_callbacks, evotor_emulator):
    """Evotor's calls, with what they queue after commit (mails, refreshes) run as a worker would; the
    cloud tokens it sends are the emulator's (`evotor.cloud.add_merchant`)."""

    def call(path, body):
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(
                path, data=json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {SECRET}"
            )

    call.cloud = evotor_emulator
    return call


@pytest.fixture
def merchant():
    """A merchant whose shop follows the Evotor token they pasted by hand (no Evotor user linked yet)."""
    merchant = UserFactory(email="shop@example.com")
    EvotorConnectionFactory(merchant=merchant, evotor_user_id=None, token="merchant-own-token", source="manual")
    return merchant


def link_from(message) -> str:
    return re.search(r"https?://\S+/evotor/link/\S+", message.body).group(0)


def path_of(url: str) -> str:
    return urlsplit(url).path


# ----- the attack ----------------------------------------------------------------------------------


def test_create_with_a_merchants_email_links_nothing_and_answers_2005(evotor, merchant):
    response = evotor("/user/create", {"userId": ATTACKER, "email": "Shop@Example.com"})
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == 2005
    assert response.json()["errors"][0]["subject"] == "email"
    assert not EvotorConnection.objects.filter(evotor_user_id=ATTACKER).exists()

    token = evotor("/user/token", {"userId": ATTACKER, "token": "attacker-cloud-token"})
    assert token.status_code == 400  # unknown userId: nothing to store the token on
    connection = EvotorConnection.objects.get(merchant=merchant)
    assert (connection.token, connection.evotor_user_id) == ("merchant-own-token", None)


def test_create_with_the_email_of_a_merchant_without_connection_links_nothing(evotor):
    UserFactory(email="fresh@example.com")
    response = evotor("/user/create", {"userId": ATTACKER, "email": "fresh@example.com"})
    assert response.status_code == 409
    assert not EvotorConnection.objects.exists()


def test_the_owner_is_mailed_a_link_request_they_can_refuse(evotor, merchant):
    evotor("/user/create", {"userId": ATTACKER, "email": "shop@example.com"})
    assert [m.to for m in mail.outbox] == [["shop@example.com"]]
    message = mail.outbox[0]
    assert ATTACKER in message.body
    request = EvotorLinkRequest.objects.get()
    assert (request.merchant, request.evotor_user_id, request.status) == (merchant, ATTACKER, "open")
    assert request.expires_at - request.created_at == timedelta(hours=24)
    assert request.token_hash and request.token_hash not in message.body  # the mail holds the token, the row its hash


# ----- the owner confirms or refuses ------------------------------------------------------------------


def test_confirming_links_the_evotor_user_then_evotors_calls_succeed(
    evotor, merchant, client, django_capture_on_commit_callbacks
):
    evotor("/user/create", {"userId": ATTACKER, "email": "shop@example.com"})
    opened = client.get(path_of(link_from(mail.outbox[0])))
    assert opened.status_code == 302 and opened["Location"] == "/evotor/link"  # the token leaves the address
    page = client.get("/evotor/link")
    assert page.status_code == 200
    assert ATTACKER in page.content.decode() and "shop@example.com" in page.content.decode()
    assert not EvotorConnection.objects.filter(evotor_user_id=ATTACKER).exists()  # opening is not confirming

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/evotor/link", {"decision": "confirm"})
    assert done.status_code == 200
    assert EvotorConnection.objects.get(merchant=merchant).evotor_user_id == ATTACKER
    assert EvotorLinkRequest.objects.get().status == "confirmed"
    assert len(mail.outbox) == 1 and ATTACKER in mail.outbox[0].body  # "an Evotor user was linked"

    evotor.cloud.add_merchant(token="new-cloud-token", stores=1, products=1)
    again = evotor("/user/create", {"userId": ATTACKER, "email": "shop@example.com"})
    assert again.json() == {"userId": ATTACKER, "token": api_token_for(ATTACKER)}
    assert evotor("/user/token", {"userId": ATTACKER, "token": "new-cloud-token"}).status_code == 200
    assert EvotorConnection.objects.get(merchant=merchant).token == "new-cloud-token"
    assert client.post("/evotor/link", {"decision": "confirm"}).status_code == 404  # used once


def test_refusing_links_nothing_and_the_link_stops_working(evotor, merchant, client):
    evotor("/user/create", {"userId": ATTACKER, "email": "shop@example.com"})
    link = path_of(link_from(mail.outbox[0]))
    client.get(link)
    assert client.post("/evotor/link", {"decision": "refuse"}).status_code == 200
    assert EvotorLinkRequest.objects.get().status == "refused"
    assert not EvotorConnection.objects.filter(evotor_user_id=ATTACKER).exists()
    client.get(link)
    assert client.get("/evotor/link").status_code == 410
    assert client.post("/evotor/link", {"decision": "confirm"}).status_code == 410
    assert not EvotorConnection.objects.filter(evotor_user_id=ATTACKER).exists()


def test_an_expired_request_cannot_be_confirmed(evotor, merchant, client):
    evotor("/user/create", {"userId": ATTACKER, "email": "shop@example.com"})
    EvotorLinkRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client.get(path_of(link_from(mail.outbox[0])))
    assert client.get("/evotor/link").status_code == 410
    assert client.post("/evotor/link", {"decision": "confirm"}).status_code == 410
    assert not EvotorConnection.objects.filter(evotor_user_id=ATTACKER).exists()


@pytest.mark.parametrize("token", ["", "forged-token"])
def test_an_unknown_link_shows_nothing_and_confirms_nothing(evotor, merchant, client, token):
    evotor("/user/create", {"userId": ATTACKER, "email": "shop@example.com"})
    if token:
        client.get(f"/evotor/link/{token}")
    assert client.get("/evotor/link").status_code == 404
    assert client.post("/evotor/link", {"decision": "confirm"}).status_code == 404
    assert ATTACKER not in client.get("/evotor/link").content.decode()
    assert not EvotorConnection.objects.filter(evotor_user_id=ATTACKER).exists()


def test_confirming_when_the_evotor_user_was_linked_elsewhere_meanwhile_links_nothing(evotor, merchant, client):
    evotor("/user/create", {"userId": ATTACKER, "email": "shop@example.com"})
    client.get(path_of(link_from(mail.outbox[0])))
    EvotorConnectionFactory(evotor_user_id=ATTACKER)  # another account proved it with its password
    response = client.post("/evotor/link", {"decision": "confirm"})
    assert response.status_code == 409
    assert EvotorConnection.objects.get(merchant=merchant).evotor_user_id is None


def test_a_get_never_decides(evotor, merchant, client):
    evotor("/user/create", {"userId": ATTACKER, "email": "shop@example.com"})
    client.get(path_of(link_from(mail.outbox[0])))
    client.get("/evotor/link?decision=confirm")
    assert EvotorLinkRequest.objects.get().status == "open"


# ----- no mail storms ---------------------------------------------------------------------------


def test_resends_and_other_evotor_users_make_no_second_request_for_a_day(evotor, merchant):
    evotor("/user/create", {"userId": ATTACKER, "email": "shop@example.com"})
    evotor("/user/create", {"userId": ATTACKER, "email": "shop@example.com"})
    answer = evotor("/user/create", {"userId": "01-000000000000777", "email": "shop@example.com"})
    assert answer.status_code == 409
    assert EvotorLinkRequest.objects.count() == 1
    assert len(mail.outbox) == 1


def test_after_a_day_a_new_request_may_be_made(evotor, merchant):
    evotor("/user/create", {"userId": ATTACKER, "email": "shop@example.com"})
    EvotorLinkRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))
    evotor("/user/create", {"userId": ATTACKER, "email": "shop@example.com"})
    assert EvotorLinkRequest.objects.count() == 2
    assert len(mail.outbox) == 2


def test_suspended_accounts_and_accounts_linked_to_another_evotor_user_get_no_request(evotor):
    UserFactory(email="blocked@example.com", status="suspended")
    EvotorConnectionFactory(merchant__email="linked@example.com", evotor_user_id="01-000000000000001")
    for email in ["blocked@example.com", "linked@example.com"]:
        assert evotor("/user/create", {"userId": ATTACKER, "email": email}).status_code == 409
    assert not EvotorLinkRequest.objects.exists()
    assert mail.outbox == []


# ----- mails about the link and the token --------------------------------------------------------


def test_verify_with_the_password_links_at_once_and_tells_the_owner(evotor, merchant):
    body = {"userId": ATTACKER, "login": "shop@example.com", "password": DEFAULT_PASSWORD}
    assert evotor("/user/verify", body).status_code == 200
    assert EvotorConnection.objects.get(merchant=merchant).evotor_user_id == ATTACKER
    assert [m.to for m in mail.outbox] == [["shop@example.com"]]
    assert ATTACKER in mail.outbox[0].body
    assert evotor("/user/verify", body).status_code == 200  # Evotor's resend: linked already, no second mail
    assert len(mail.outbox) == 1


def test_a_changed_cloud_token_is_mailed_once(evotor, merchant):
    evotor("/user/verify", {"userId": ATTACKER, "login": "shop@example.com", "password": DEFAULT_PASSWORD})
    mail.outbox.clear()
    for token in ["cloud-token-2", "cloud-token-3"]:
        evotor.cloud.add_merchant(token=token, stores=1, products=1)
    evotor("/user/token", {"userId": ATTACKER, "token": "cloud-token-2"})
    evotor("/user/token", {"userId": ATTACKER, "token": "cloud-token-2"})  # a resend
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["shop@example.com"]
    assert "cloud-token-2" not in mail.outbox[0].body  # the token itself is never mailed
    evotor("/user/token", {"userId": ATTACKER, "token": "cloud-token-3"})
    assert len(mail.outbox) == 2


def test_a_new_account_made_by_evotor_is_told_of_its_link(evotor):
    evotor("/user/create", {"userId": "01-000000000000321", "email": "new@example.com"})
    assert [m.to for m in mail.outbox] == [["new@example.com"]]


def test_no_mail_goes_to_a_placeholder_address(evotor):
    evotor.cloud.add_merchant(token="cloud", stores=1, products=1)
    evotor("/user/create", {"userId": "01-000000000000322"})
    evotor("/user/token", {"userId": "01-000000000000322", "token": "cloud"})
    assert mail.outbox == []


def test_mails_are_sent_only_after_commit(merchant, django_capture_on_commit_callbacks):
    body = {"userId": ATTACKER, "login": "shop@example.com", "password": DEFAULT_PASSWORD}
    with django_capture_on_commit_callbacks() as callbacks:
        Client().post(
            "/user/verify", data=json.dumps(body), content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {SECRET}",
        )  # fmt: skip
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1


def test_the_mail_is_in_the_merchants_language(evotor):
    UserFactory(email="en@example.com", language="en")
    evotor("/user/create", {"userId": ATTACKER, "email": "en@example.com"})
    assert "Evotor" in mail.outbox[0].subject and "confirm" in mail.outbox[0].body.lower()


def test_a_mail_server_failure_is_retried(merchant):
    real = mail.send_mail
    failures = iter([smtplib.SMTPServerDisconnected("gone")])

    def flaky(*args, **kwargs):
        failure = next(failures, None)
        if failure:
            raise failure
        return real(*args, **kwargs)

    context = {"evotor_user_id": ATTACKER, "how": "password"}
    with mock.patch("webhooks.mails.send_mail", side_effect=flaky) as send:
        mail_merchant.apply(args=["evotor_linked", merchant.pk, context], throw=False)  # as a worker runs it
    assert send.call_count == 2
    assert len(mail.outbox) == 1
    assert mail_merchant.max_retries >= 5
    assert all(issubclass(e, mail_merchant.autoretry_for) for e in (smtplib.SMTPException, ConnectionRefusedError))
