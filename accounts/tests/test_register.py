"""/register, /confirm-email, /resend-confirm: a merchant signs up, confirms, and only then logs in."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts import roles
from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import link_in, log_in

pytestmark = pytest.mark.django_db

PASSWORD = "Sunflower-Market-42"


def register(client, email="shop@example.com", extra=None, **fields):
    data = {
        "email": email,
        "full_name": "Анна Петрова",
        "phone": "+7 900 123-45-67",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **fields,
    }
    return client.post("/register", data, **(extra or {}))


def test_register_page_asks_for_email_name_phone_and_password(client):
    response = client.get("/register")
    assert response.status_code == 200
    page = response.content.decode()
    for name in ["email", "full_name", "phone", "password1", "password2"]:
        assert f'name="{name}"' in page
    assert "Регистрация" in page


def test_register_creates_pending_user_with_role_user_and_mails_a_link(client, mailoutbox):
    response = register(client)

    assert response.status_code == 302
    assert response["Location"] == "/confirm-email"
    user = User.objects.get(email="shop@example.com")
    assert user.status == User.Status.PENDING
    assert user.is_active is False
    assert (user.full_name, user.phone) == ("Анна Петрова", "+7 900 123-45-67")
    assert user.role == roles.USER
    assert not user.is_staff
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["shop@example.com"]
    assert link_in(mailoutbox[0]).startswith("/confirm-email/")
    assert "_auth_user_id" not in client.session


def test_confirmation_link_activates_the_account_and_logs_in(client, mailoutbox):
    register(client)

    response = client.get(link_in(mailoutbox[0]))

    user = User.objects.get(email="shop@example.com")
    assert user.status == User.Status.ACTIVE
    assert user.is_active
    assert EmailAddress.objects.get(user=user).verified
    assert response.status_code == 302
    assert response["Location"] == "/home"
    assert client.get("/profile").status_code == 200


def test_confirmation_link_opened_in_another_browser_activates_then_login_works(client, mailoutbox):
    from django.test import Client

    register(client)
    other_browser = Client()

    response = other_browser.get(link_in(mailoutbox[0]))

    assert response.status_code == 302
    assert response["Location"] == "/login"
    assert log_in(other_browser, "shop@example.com", PASSWORD)["Location"] == "/home"


def test_broken_confirmation_link_explains_and_offers_resend(client):
    response = client.get("/confirm-email/not-a-real-key")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Ссылка недействительна или устарела" in page
    assert "/resend-confirm" in page


def test_confirmation_does_not_lift_a_suspension(client, mailoutbox):
    register(client)
    User.objects.filter(email="shop@example.com").update(status=User.Status.SUSPENDED)

    client.get(link_in(mailoutbox[0]))

    assert User.objects.get(email="shop@example.com").status == User.Status.SUSPENDED


def test_duplicate_email_is_a_form_error_and_sends_nothing(client, mailoutbox):
    UserFactory(email="taken@example.com")

    response = register(client, email="Taken@Example.com")

    assert response.status_code == 200
    assert "Аккаунт с этим email уже есть" in response.content.decode()
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
    assert mailoutbox == []


def test_register_refuses_mismatched_passwords_and_a_bad_phone(client):
    response = register(client, password2="Another-Password-77", phone="call me")

    assert response.status_code == 200
    form = response.context["form"]
    assert "password2" in form.errors
    assert "phone" in form.errors
    assert not User.objects.filter(email="shop@example.com").exists()


def test_register_needs_a_name(client):
    response = register(client, full_name="")

    assert "full_name" in response.context["form"].errors


def test_unconfirmed_user_login_explains_and_offers_resend(client):
    register(client)
    client.logout()

    response = log_in(client, "shop@example.com", PASSWORD)

    assert response.status_code == 403
    page = response.content.decode()
    assert "Email ещё не подтверждён" in page
    assert 'action="/resend-confirm"' in page
    assert "_auth_user_id" not in client.session


def test_unconfirmed_user_retrying_with_the_right_password_is_never_locked_out(client, settings):
    UserFactory(email="shop@example.com", status=User.Status.PENDING)

    responses = [log_in(client, "shop@example.com") for _ in range(settings.AXES_FAILURE_LIMIT + 1)]

    assert [r.status_code for r in responses] == [403] * (settings.AXES_FAILURE_LIMIT + 1)
    assert "Email ещё не подтверждён" in responses[-1].content.decode()


def test_unconfirmed_user_with_wrong_password_gets_the_plain_error(client):
    register(client)

    response = log_in(client, "shop@example.com", "wrong-password-1")

    assert response.status_code == 200
    assert response.context["form"].errors
    assert "Email ещё не подтверждён" not in response.content.decode()


def test_resend_mails_a_fresh_link_to_a_pending_account(client, mailoutbox):
    register(client)
    mail.outbox.clear()

    response = client.post("/resend-confirm", {"email": "SHOP@example.com"}, follow=True)

    assert "мы отправили письмо ещё раз" in response.content.decode()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "[EvoSync] Ссылка для подтверждения email"
    client.get(link_in(mailoutbox[0]))
    assert User.objects.get(email="shop@example.com").status == User.Status.ACTIVE


def test_resend_to_unknown_or_active_address_sends_nothing_and_says_the_same(client, mailoutbox):
    UserFactory(email="active@example.com")

    unknown = client.post("/resend-confirm", {"email": "nobody@example.com"}, follow=True).content.decode()
    active = client.post("/resend-confirm", {"email": "active@example.com"}, follow=True).content.decode()

    assert mailoutbox == []
    assert "Уже подтверждали адрес? Просто войдите." in unknown
    assert "Уже подтверждали адрес? Просто войдите." in active


def test_resend_is_throttled_by_allauths_cooldown(client, settings, mailoutbox):
    settings.ACCOUNT_RATE_LIMITS = {"confirm_email": "1/180s/key"}
    email = f"throttle-{id(client)}@example.com"
    UserFactory(email=email, status=User.Status.PENDING)

    client.post("/resend-confirm", {"email": email})
    response = client.post("/resend-confirm", {"email": email}, follow=True)

    assert len(mailoutbox) == 1
    assert "Письмо уже отправлено недавно" in response.content.decode()


def test_resend_page_shows_a_form(client):
    response = client.get("/resend-confirm?email=a@example.com")

    assert response.status_code == 200
    assert 'value="a@example.com"' in response.content.decode()


def test_mails_follow_the_browser_language(client, mailoutbox):
    response = register(client, email="english@example.com", extra={"HTTP_ACCEPT_LANGUAGE": "en"})
    assert response.status_code == 302

    client.post("/resend-confirm", {"email": "english@example.com"}, HTTP_ACCEPT_LANGUAGE="en")

    assert mailoutbox[0].subject == "[EvoSync] Confirm your email for EvoSync"
    assert "To confirm your email" in mailoutbox[0].body
    assert mailoutbox[1].subject == "[EvoSync] Your email confirmation link"
    assert User.objects.get(email="english@example.com").language == "en"


def test_mails_are_russian_by_default(client, mailoutbox):
    register(client)

    assert mailoutbox[0].subject == "[EvoSync] Подтвердите email для EvoSync"
    assert "Чтобы подтвердить email" in mailoutbox[0].body
