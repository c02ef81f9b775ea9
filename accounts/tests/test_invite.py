"""/invite/<token>: staff invite an email; the link sets name and password, once, before it expires."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import roles, services
from accounts.models import Invite, User, hash_token
from accounts.tests.factories import InviteFactory, UserFactory
from accounts.tests.helpers import link_in, log_in

pytestmark = pytest.mark.django_db

PASSWORD = "Invited-Merchant-58"


def open_invite(client, token):
    """Follow the mailed link: it parks the token in the session and lands on /invite."""
    return client.get(f"/invite/{token}", follow=True)


def accept(client, token, **fields):
    open_invite(client, token)
    data = {"full_name": "Ольга Иванова", "phone": "+7 900 555-44-33", "password1": PASSWORD, "password2": PASSWORD}
    return client.post("/invite", data | fields)


def test_invite_service_mails_a_link_that_expires_in_the_configured_hours(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.INVITE_EXPIRE_HOURS = 12
    staff = UserFactory(staff=True)

    with django_capture_on_commit_callbacks(execute=True):
        invite = services.invite(email="New@Example.com", created_by=staff)

    assert invite.email == "new@example.com"
    assert invite.created_by == staff
    assert invite.expires_at - invite.created_at == timedelta(hours=12)
    assert mailoutbox[0].to == ["new@example.com"]
    assert mailoutbox[0].subject == "[EvoSync] Приглашение в EvoSync"
    assert "12 ч" in mailoutbox[0].body
    token = link_in(mailoutbox[0]).removeprefix("/invite/")
    assert invite.token_hash == hash_token(token)
    assert token not in invite.token_hash


def test_invite_mail_language_is_the_invites(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(email="en@example.com", created_by=None, language="en")

    assert mailoutbox[0].subject == "[EvoSync] Your invitation to EvoSync"


def test_a_new_invite_retires_the_older_open_one(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.invite(email="new@example.com", created_by=None)
        second = services.invite(email="new@example.com", created_by=None)

    first.refresh_from_db()
    assert first.is_expired
    assert not second.is_expired


def test_invite_link_moves_the_token_out_of_the_url_and_shows_the_form(client):
    invite = InviteFactory(email="new@example.com")

    response = open_invite(client, invite.token)

    assert response.redirect_chain == [("/invite", 302)]
    assert response.status_code == 200
    page = response.content.decode()
    assert "new@example.com" in page
    assert 'name="password1"' in page and 'name="full_name"' in page


def test_accepting_creates_an_active_merchant_logged_in(client):
    invite = InviteFactory(email="new@example.com")

    response = accept(client, invite.token)

    assert response["Location"] == "/home"
    user = User.objects.get(email="new@example.com")
    assert user.status == User.Status.ACTIVE
    assert user.full_name == "Ольга Иванова"
    assert user.role == roles.USER
    assert user.check_password(PASSWORD)
    assert client.get("/profile").status_code == 200
    invite.refresh_from_db()
    assert invite.is_used
    client.logout()
    assert log_in(client, "new@example.com", PASSWORD)["Location"] == "/home"


def test_accepting_finishes_a_pending_account_staff_created(client):
    existing = UserFactory(email="new@example.com", status=User.Status.PENDING, full_name="Ольга")
    invite = InviteFactory(email="new@example.com")

    assert 'value="Ольга"' in open_invite(client, invite.token).content.decode()
    accept(client, invite.token)

    existing.refresh_from_db()
    assert existing.status == User.Status.ACTIVE
    assert existing.check_password(PASSWORD)
    assert User.objects.filter(email="new@example.com").count() == 1


def test_invite_works_only_once(client):
    invite = InviteFactory()
    accept(client, invite.token)
    client.logout()

    again = open_invite(client, invite.token)
    again_post = accept(client, invite.token, password1="Other-Pass-99", password2="Other-Pass-99")

    assert again.status_code == 410
    assert "Это приглашение уже использовано" in again.content.decode()
    assert again_post.status_code == 410
    assert User.objects.get(email=invite.email).check_password(PASSWORD)


def test_expired_invite_shows_a_clear_page_and_creates_nothing(client):
    invite = InviteFactory(expires_at=timezone.now() - timedelta(minutes=1))

    page = open_invite(client, invite.token)
    post = accept(client, invite.token)

    assert page.status_code == 410
    assert "Срок действия приглашения истёк" in page.content.decode()
    assert post.status_code == 410
    assert not User.objects.filter(email=invite.email).exists()


def test_unknown_token_is_404_with_an_explanation(client):
    response = open_invite(client, "no-such-token")

    assert response.status_code == 404
    assert "Ссылка приглашения неверна" in response.content.decode()


def test_invite_for_an_existing_active_account_sends_to_login(client):
    UserFactory(email="shop@example.com")
    invite = InviteFactory(email="shop@example.com")

    response = accept(client, invite.token)

    assert response.status_code == 410
    assert "Аккаунт с этим email уже есть" in response.content.decode()
    assert not User.objects.get(email="shop@example.com").check_password(PASSWORD)


def test_invite_form_errors_keep_the_invite_open(client):
    invite = InviteFactory()

    response = accept(client, invite.token, password2="different-Pass-1", full_name="")

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "password2" in errors and "full_name" in errors
    invite.refresh_from_db()
    assert not invite.is_used


def test_invite_refuses_a_weak_password(client):
    invite = InviteFactory()

    response = accept(client, invite.token, password1="12345678", password2="12345678")

    assert "password1" in response.context["form"].errors
    assert not Invite.objects.get(pk=invite.pk).is_used


def test_accept_invite_service_refuses_a_second_use():
    invite = InviteFactory()
    services.accept_invite(invite=invite, full_name="A", phone="", password=PASSWORD)

    with pytest.raises(services.InviteUnusable):
        services.accept_invite(invite=invite, full_name="B", phone="", password=PASSWORD)


def test_invite_page_without_a_link_explains(client):
    response = client.get("/invite")

    assert response.status_code == 404
    assert "Ссылка приглашения неверна" in response.content.decode()
