"""What accounts writes to the audit trail: logins (and failed ones), sign-up, confirmation, passwords, invites,
status and role changes; who, from where (through the trusted proxy), and the history page."""

import pytest
from django.core import mail

from accounts import roles, services
from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, InviteFactory, UserFactory
from accounts.tests.helpers import link_in, log_in
from accounts.tests.test_register import register
from audit.models import AuditEvent, Event

pytestmark = pytest.mark.django_db


def events(event):
    return list(AuditEvent.objects.filter(event=event))


def test_login_is_recorded_with_the_address_seen_through_the_trusted_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = UserFactory(email="shop@example.com")

    client.post(
        "/login",
        {"login": "shop@example.com", "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )

    [login] = events(Event.LOGIN)
    assert (login.merchant_id, login.actor_id, login.remote_addr) == (user.pk, user.pk, "203.0.113.7")


def test_failed_login_keeps_the_login_tried_and_never_the_password(client):
    user = UserFactory(email="shop@example.com")

    log_in(client, "shop@example.com", "my-secret-guess-123")

    [failed] = events(Event.LOGIN_FAILED)
    assert failed.merchant_id == user.pk and failed.actor_id is None
    assert "shop@example.com" in failed.summary
    assert not AuditEvent.objects.filter(summary__contains="my-secret-guess-123").exists()
    assert "my-secret-guess-123" not in str(list(AuditEvent.objects.values()))


def test_signup_and_confirmation_are_recorded(client):
    register(client, email="new@example.com")
    user = User.objects.get(email="new@example.com")
    assert [e.merchant_id for e in events(Event.SIGNUP)] == [user.pk]

    client.get(link_in(mail.outbox[-1]))

    assert [e.merchant_id for e in events(Event.EMAIL_CONFIRMED)] == [user.pk]
    status = events(Event.STATUS_CHANGED)[0]
    assert status.before_after() == [("статус", "Ожидает подтверждения", "Активен")]


def test_password_change_is_recorded_with_the_hash_hidden(client, merchant):
    old_hash = User.objects.get(pk=merchant.pk).password
    client.post(
        "/profile/change-password",
        {"oldpassword": DEFAULT_PASSWORD, "password1": "Another-Pass-77", "password2": "Another-Pass-77"},
    )

    [changed] = [e for e in events(Event.PASSWORD_CHANGED) if e.actor_id == merchant.pk]
    new_hash = User.objects.get(pk=merchant.pk).password
    stored = str(changed.changes)
    assert old_hash not in stored and new_hash not in stored and "•" in stored


def test_invite_sent_and_accepted_are_recorded(client):
    staff = UserFactory(staff=True)
    services.invite(email="colleague@example.com", created_by=staff)
    [sent] = events(Event.INVITE_SENT)
    assert "colleague@example.com" in sent.summary

    invite = InviteFactory(email="guest@example.com")
    user = services.accept_invite(invite=invite, full_name="Гость", phone="", password="Long-Password-42")

    [accepted] = events(Event.INVITE_ACCEPTED)
    assert accepted.merchant_id == user.pk and accepted.actor_id == user.pk


def test_status_and_role_changes_by_staff_in_the_admin_name_the_staff_member(client):
    admin = UserFactory(staff=True, is_superuser=True)
    merchant = UserFactory(email="shop@example.com")
    client.force_login(admin)

    client.post(
        "/admin/accounts/user/",
        {"action": "suspend_users", "_selected_action": [merchant.pk]},
        REMOTE_ADDR="198.51.100.4",
    )

    [suspended] = events(Event.STATUS_CHANGED)
    assert (suspended.merchant_id, suspended.actor_email, suspended.remote_addr) == (
        merchant.pk,
        admin.email,
        "198.51.100.4",
    )
    assert suspended.before_after() == [("статус", "Активен", "Заблокирован")]

    services.set_role(user=merchant, role=roles.ADMIN)
    assert events(Event.ROLE_CHANGED) and all(e.merchant_id == merchant.pk for e in events(Event.ROLE_CHANGED))


def test_the_merchant_reads_their_own_history_on_the_profile_paged(client, merchant):
    other = UserFactory()
    for _ in range(25):
        services.update_profile(user=merchant, full_name=f"Имя {_}", phone="", language="ru")
    services.update_profile(user=other, full_name="Чужое имя", phone="", language="ru")

    first = client.get("/profile/history")
    page = first.content.decode()

    assert "История действий" in page and "Профиль изменён" in page
    assert "Чужое имя" not in page
    assert first.context["page"].paginator.count == AuditEvent.objects.filter(merchant=merchant).count()
    assert "страница 1 из 2" in page
    assert "Имя 0" in client.get("/profile/history?page=2").content.decode()
    assert 'href="/profile/history"' in client.get("/profile").content.decode()
