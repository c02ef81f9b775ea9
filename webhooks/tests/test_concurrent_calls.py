"""Evotor calls /user/create for one userId several times at once (its resends overlap): one user, one link,
every answer Evotor's (issue 12, finding 7). Real threads on a real transactional database."""

import json
import threading
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection
from django.test import Client

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from connections.models import EvotorConnection
from webhooks import services
from webhooks.services import api_token_for

SECRET = "test-webhook-secret"
CALLS = 8


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.EVOTOR_WEBHOOK_SECRET = SECRET


def at_once(bodies, path="/user/create"):
    """POST each body from its own thread (its own database connection), all released together."""
    answers = [None] * len(bodies)
    start = threading.Barrier(len(bodies))

    def call(index, body):
        try:
            start.wait()
            client = Client(raise_request_exception=False)
            answers[index] = client.post(
                path, data=json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {SECRET}"
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=call, args=(i, body)) for i, body in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def assert_evotor_answers(answers):
    for answer in answers:
        assert answer is not None
        assert answer.status_code in (200, 409), answer.content[:500]
        if answer.status_code == 409:
            assert set(answer.json()) == {"errors"}


@pytest.mark.django_db(transaction=True)
def test_resends_at_once_make_one_user_and_one_link():
    answers = at_once([{"userId": "01-500", "email": "new@example.com"}] * CALLS)
    assert [a.status_code for a in answers] == [200] * CALLS
    assert {a.json()["token"] for a in answers} == {api_token_for("01-500")}
    assert get_user_model().objects.count() == 1
    assert EvotorConnection.objects.get(evotor_user_id="01-500").merchant.email == "new@example.com"


@pytest.mark.django_db(transaction=True)
def test_calls_without_email_at_once_make_one_placeholder_account():
    answers = at_once([{"userId": "01-501"}] * CALLS)
    assert [a.status_code for a in answers] == [200] * CALLS
    assert get_user_model().objects.count() == 1
    assert EvotorConnection.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_different_emails_at_once_leave_no_orphan_account():
    answers = at_once([{"userId": "01-502", "email": f"shop{i}@example.com"} for i in range(CALLS)])
    assert_evotor_answers(answers)
    winners = [a for a in answers if a.status_code == 200]
    assert len(winners) == 1
    assert {c for a in answers if a.status_code == 409 for c in [a.json()["errors"][0]["code"]]} <= {2004}
    link = EvotorConnection.objects.select_related("merchant").get(evotor_user_id="01-502")
    assert list(get_user_model().objects.all()) == [link.merchant]  # the losers' accounts are not left behind


@pytest.mark.django_db(transaction=True)
def test_one_new_email_for_many_evotor_users_at_once_is_one_account_with_one_link():
    answers = at_once([{"userId": f"01-6{i:02d}", "email": "shared@example.com"} for i in range(CALLS)])
    assert_evotor_answers(answers)
    assert sum(a.status_code == 200 for a in answers) == 1
    assert {a.json()["errors"][0]["code"] for a in answers if a.status_code == 409} <= {2005}
    assert get_user_model().objects.count() == 1
    assert EvotorConnection.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_create_and_verify_at_once_for_one_user_id_link_once():
    UserFactory(email="owner@example.com")
    verify = {"userId": "01-503", "login": "owner@example.com", "password": DEFAULT_PASSWORD}
    answers = at_once([{"userId": "01-503", "email": "other@example.com"}] * 4 + [verify] * 4)
    assert all(a is not None and a.status_code < 500 for a in answers), [a and a.content[:300] for a in answers]
    assert EvotorConnection.objects.filter(evotor_user_id="01-503").count() == 1
    link = EvotorConnection.objects.select_related("merchant").get(evotor_user_id="01-503")
    emails = set(get_user_model().objects.values_list("email", flat=True))
    assert emails == {"owner@example.com", link.merchant.email}  # other@ exists only as the linked account


@pytest.mark.django_db(transaction=True)
def test_a_deadlocked_create_is_run_again():
    """MariaDB may pick a create as a deadlock victim (1213): the whole create runs again, once more."""
    real = services._create_user_locked
    failures = iter([OperationalError(1213, "Deadlock found when trying to get lock; try restarting transaction")])

    def deadlock_once(**kwargs):
        failure = next(failures, None)
        if failure:
            raise failure
        return real(**kwargs)

    with mock.patch.object(services, "_create_user_locked", side_effect=deadlock_once) as create:
        response = Client().post(
            "/user/create", data='{"userId": "01-504"}', content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {SECRET}",
        )  # fmt: skip
    assert response.status_code == 200
    assert create.call_count == 2
    assert EvotorConnection.objects.filter(evotor_user_id="01-504").count() == 1
