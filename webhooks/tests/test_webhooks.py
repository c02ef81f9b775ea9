"""Evotor's webhooks: the documented answers and error codes, idempotent resends, never a 500."""

import json

import pytest
from django.db import connection as db_connection

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from catalog.models import Product
from catalog.services import refresh_all_catalogs
from connections.models import EvotorConnection
from connections.tests.factories import EvotorConnectionFactory
from webhooks.models import EvotorSubscription, WebhookEvent
from webhooks.services import api_token_for

pytestmark = pytest.mark.django_db
SECRET = "test-webhook-secret"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.EVOTOR_WEBHOOK_SECRET = SECRET


def post(client, path, body, secret=SECRET, raw=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    data = raw if raw is not None else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **headers)


def codes(response):
    return [e["code"] for e in response.json()["errors"]]


# ----- authorization and bad bodies ------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/user/create", "/user/verify", "/user/token", "/subscription/event", "/installation/event"]
)
@pytest.mark.parametrize("secret", [None, "wrong-secret", SECRET + "x"])
def test_wrong_or_missing_secret_is_401_code_1001(client, path, secret):
    response = post(client, path, {"userId": "01-1"}, secret=secret)
    assert response.status_code == 401
    assert codes(response) == [1001]


def test_empty_configured_secret_refuses_everyone(client, settings):
    settings.EVOTOR_WEBHOOK_SECRET = ""
    response = post(client, "/user/create", {"userId": "01-1"}, secret="")
    assert response.status_code == 401


def test_basic_looking_or_malformed_authorization_is_refused(client):
    response = client.post("/user/create", data="{}", content_type="application/json", HTTP_AUTHORIZATION=SECRET)
    assert codes(response) == [1001]


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"', "", "\xff"])
def test_bad_json_is_400_code_2001(client, raw):
    response = post(client, "/user/create", None, raw=raw)
    assert response.status_code == 400
    assert codes(response) == [2001]


@pytest.mark.parametrize(
    ("path", "body", "subject"),
    [
        ("/user/create", {}, "userId"),
        ("/user/verify", {"userId": "01-1", "password": "x"}, "login"),
        ("/user/verify", {"userId": "01-1", "login": "a@b.c"}, "password"),
        ("/user/token", {"userId": "01-1"}, "token"),
        (
            "/subscription/event",
            {"subscriptionId": "s", "userId": "01-1", "type": "SubscriptionCreated"},
            "sequenceNumber",
        ),
        ("/installation/event", {"id": "e1", "type": "ApplicationInstalled"}, "data"),
    ],
)
def test_missing_field_is_400_code_2002(client, path, body, subject):
    response = post(client, path, body)
    assert response.status_code == 400
    assert response.json()["errors"][0] == {"code": 2002, "reason": "field is required", "subject": subject}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/user/create", {"userId": {"nested": 1}}),
        ("/user/create", {"userId": "01-1", "email": "not an email"}),
        ("/user/create", {"userId": "x" * 65}),
        ("/user/token", {"userId": "01-unknown", "token": "t"}),
        ("/subscription/event", {"subscriptionId": "s", "userId": "u", "type": "T", "sequenceNumber": "one"}),
        ("/installation/event", {"id": "e1", "type": "ApplicationInstalled", "data": "oops"}),
    ],
)
def test_invalid_value_is_400_code_2003(client, path, body):
    response = post(client, path, body)
    assert response.status_code == 400
    assert codes(response) == [2003]


def test_get_is_not_allowed(client):
    assert client.get("/user/create").status_code == 405


# ----- /user/create ---------------------------------------------------------------------------


def test_create_makes_a_pending_account_and_returns_our_token(client):
    response = post(client, "/user/create", {"userId": "01-000000000000042"})
    assert response.status_code == 200
    body = response.json()
    assert body["userId"] == "01-000000000000042"
    assert 0 < len(body["token"]) <= 128
    connection = EvotorConnection.objects.get(evotor_user_id="01-000000000000042")
    assert connection.merchant.status == "pending"
    assert not connection.merchant.has_usable_password()
    assert connection.token == ""  # the cloud token comes with /user/token


def test_create_accepts_the_old_user_uuid_field(client):
    response = post(client, "/user/create", {"userUuid": "01-000000000000043"})
    assert response.json()["userId"] == "01-000000000000043"
    assert EvotorConnection.objects.filter(evotor_user_id="01-000000000000043").exists()


def test_create_with_an_existing_accounts_email_links_nothing_and_is_409_code_2005(client):
    UserFactory(email="shop@example.com")  # the email is no proof (issue 12, finding 2): /user/verify is
    response = post(client, "/user/create", {"userId": "01-7", "email": "Shop@Example.com", "customField": 1})
    assert response.status_code == 409
    assert codes(response) == [2005]
    assert not EvotorConnection.objects.filter(evotor_user_id="01-7").exists()


def test_create_resent_gives_the_same_token_and_no_second_account(client):
    first = post(client, "/user/create", {"userId": "01-8"}).json()
    second = post(client, "/user/create", {"userId": "01-8"}).json()
    assert first == second
    assert first["token"] == api_token_for("01-8")
    assert EvotorConnection.objects.filter(evotor_user_id="01-8").count() == 1


def test_create_for_a_user_id_linked_to_another_account_is_409_code_2004(client):
    EvotorConnectionFactory(evotor_user_id="01-9")
    other = UserFactory(email="other@example.com")
    response = post(client, "/user/create", {"userId": "01-9", "email": other.email})
    assert response.status_code == 409
    assert codes(response) == [2004]


def test_create_for_an_account_linked_to_another_evotor_user_is_409_code_2005(client):
    connection = EvotorConnectionFactory(evotor_user_id="01-10")
    response = post(client, "/user/create", {"userId": "01-11", "email": connection.merchant.email})
    assert response.status_code == 409
    assert codes(response) == [2005]


# ----- /user/verify ---------------------------------------------------------------------------


def test_verify_with_right_credentials_links_and_returns_the_token(client):
    merchant = UserFactory(email="verify@example.com")
    response = post(
        client, "/user/verify", {"userId": "01-12", "login": "verify@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    assert response.json() == {"userId": "01-12", "token": api_token_for("01-12")}
    assert EvotorConnection.objects.get(merchant=merchant).evotor_user_id == "01-12"


def test_verify_accepts_username_instead_of_login(client):
    UserFactory(email="u@example.com")
    response = post(
        client, "/user/verify", {"userUuid": "01-13", "username": "u@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("status", ["active", "suspended"])
def test_verify_with_wrong_credentials_is_401_code_1006(client, status):
    UserFactory(email="w@example.com", status=status)
    password = "wrong-password" if status == "active" else DEFAULT_PASSWORD
    response = post(client, "/user/verify", {"userId": "01-14", "login": "w@example.com", "password": password})
    assert response.status_code == 401
    assert codes(response) == [1006]
    assert not EvotorConnection.objects.filter(evotor_user_id="01-14").exists()


def test_verify_for_a_user_id_linked_elsewhere_is_409_code_2004(client):
    EvotorConnectionFactory(evotor_user_id="01-15")
    UserFactory(email="v2@example.com")
    response = post(
        client, "/user/verify", {"userId": "01-15", "login": "v2@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 409
    assert codes(response) == [2004]


# ----- /user/token ----------------------------------------------------------------------------


def test_token_is_stored_encrypted_and_a_refresh_is_queued(client, evotor_emulator, django_capture_on_commit_callbacks):
    evotor_emulator.add_merchant(token="cloud-token-1", user_id="01-16", stores=1, groups=2, products=30)
    post(client, "/user/create", {"userId": "01-16"})
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, "/user/token", {"userId": "01-16", "token": "cloud-token-1"})
    assert response.status_code == 200
    assert response.content == b""
    assert len(callbacks) == 1
    connection = EvotorConnection.objects.get(evotor_user_id="01-16")
    assert connection.token == "cloud-token-1"
    assert connection.source == "webhook"
    assert connection.status == "ok"  # the eager refresh ran against the emulator
    assert Product.objects.filter(merchant=connection.merchant).count() == 30
    with db_connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {EvotorConnection._meta.db_table} WHERE id = %s", [connection.pk])
        raw = cursor.fetchone()[0]
    assert raw and "cloud-token-1" not in raw


def test_token_resent_queues_nothing_new(client, django_capture_on_commit_callbacks):
    EvotorConnectionFactory(evotor_user_id="01-17", token="same-token")
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, "/user/token", {"userId": "01-17", "token": "same-token"})
    assert response.status_code == 200
    assert callbacks == []


def test_new_token_repairs_a_broken_connection(client, django_capture_on_commit_callbacks):
    connection = EvotorConnectionFactory(evotor_user_id="01-18", token="old", status="broken", last_error="401")
    with django_capture_on_commit_callbacks() as callbacks:
        post(client, "/user/token", {"userId": "01-18", "token": "new"})
    connection.refresh_from_db()
    assert (connection.token, connection.status, connection.last_error) == ("new", "unchecked", "")
    assert len(callbacks) == 2  # the refresh, and the merchant's mail about the new token


# ----- events ---------------------------------------------------------------------------------


def subscription(seq, kind, sub="sub-1", user="01-19"):
    return {"subscriptionId": sub, "productId": "app", "userId": user, "timestamp": 1700000000000 + seq,
            "sequenceNumber": seq, "type": kind, "planId": "basic"}  # fmt: skip


def test_subscription_events_apply_in_sequence_order(client):
    for seq, kind in [(1, "SubscriptionCreated"), (3, "SubscriptionTerminated"), (2, "SubscriptionActivated")]:
        assert post(client, "/subscription/event", subscription(seq, kind)).status_code == 200
    state = EvotorSubscription.objects.get(subscription_id="sub-1")
    assert state.status == "SubscriptionTerminated"
    assert state.last_sequence_number == 3
    assert state.active is False
    late = WebhookEvent.objects.get(event_id="sub-1:2")
    assert late.applied is False and late.note
    assert WebhookEvent.objects.filter(kind="subscription").count() == 3


def test_subscription_event_resent_is_recorded_once(client):
    post(client, "/subscription/event", subscription(1, "SubscriptionCreated"))
    post(client, "/subscription/event", subscription(1, "SubscriptionCreated"))
    assert WebhookEvent.objects.filter(kind="subscription").count() == 1


def installation(event_id, kind, user="01-20", ts="2026-01-01T10:00:00.000+0000"):
    return {"id": event_id, "timestamp": ts, "version": 2, "type": kind, "data": {"productId": "app", "userId": user}}


def test_uninstall_stops_the_merchant_sync(client, evotor_emulator):
    evotor_emulator.add_merchant(token="tok-20", stores=1, products=3)
    connection = EvotorConnectionFactory(evotor_user_id="01-20", token="tok-20")
    response = post(client, "/installation/event", installation("ev-1", "ApplicationUninstalled"))
    assert response.status_code == 200
    connection.refresh_from_db()
    assert connection.installed is False
    assert "удалено" in connection.last_error
    assert refresh_all_catalogs() == []
    assert evotor_emulator.request_count == 0


def test_older_install_event_arriving_late_does_not_undo_an_uninstall(client):
    connection = EvotorConnectionFactory(evotor_user_id="01-20")
    post(
        client, "/installation/event", installation("ev-2", "ApplicationUninstalled", ts="2026-01-02T10:00:00.000+0000")
    )
    post(client, "/installation/event", installation("ev-1", "ApplicationInstalled", ts="2026-01-01T10:00:00.000+0000"))
    post(
        client, "/installation/event", installation("ev-2", "ApplicationUninstalled", ts="2026-01-02T10:00:00.000+0000")
    )
    connection.refresh_from_db()
    assert connection.installed is False
    assert WebhookEvent.objects.filter(kind="installation").count() == 2
    assert WebhookEvent.objects.get(event_id="ev-1").applied is False


def test_reinstall_turns_the_connection_back_on(client, django_capture_on_commit_callbacks):
    connection = EvotorConnectionFactory(evotor_user_id="01-21", installed=False)
    with django_capture_on_commit_callbacks() as callbacks:
        post(client, "/installation/event", installation("ev-3", "ApplicationInstalled", user="01-21"))
    connection.refresh_from_db()
    assert connection.installed is True
    assert len(callbacks) == 1


def test_install_event_for_an_unknown_user_is_recorded(client):
    response = post(client, "/installation/event", installation("ev-4", "ApplicationInstalled", user="01-99"))
    assert response.status_code == 200
    assert WebhookEvent.objects.get(event_id="ev-4").note
