"""/, /login, /logout, /forgot-password, /reset-password, /profile/change-password."""

import pytest
from axes.models import AccessAttempt

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.tests.helpers import link_in, log_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Brand-New-Password-31"


def test_root_sends_merchants_to_their_home_the_guided_start_until_set_up(client):
    client.force_login(UserFactory())
    assert client.get("/")["Location"] == "/home"


def test_login_page_is_evosync_styled_with_links(client):
    page = client.get("/login").content.decode()

    assert "EvoSync" in page
    assert 'name="login"' in page and 'name="password"' in page
    for link in ["/forgot-password", "/register", "/resend-confirm"]:
        assert f'href="{link}"' in page


def test_active_user_logs_in_and_reaches_profile(client):
    user = UserFactory(email="shop@example.com")

    response = log_in(client, "SHOP@example.com")

    assert response.status_code == 302
    assert response["Location"] == "/home"  # the guided start until the first sync, then /sync (vksync)
    profile = client.get("/profile")
    assert profile.status_code == 200
    assert user.full_name in profile.content.decode()


def test_wrong_password_is_a_form_error(client):
    UserFactory(email="shop@example.com")

    response = log_in(client, "shop@example.com", "not-my-password")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert "_auth_user_id" not in client.session


def test_suspended_user_is_told_so_and_not_logged_in(client):
    UserFactory(email="shop@example.com", status=User.Status.SUSPENDED)

    response = log_in(client, "shop@example.com")

    assert response.status_code == 403
    assert "Аккаунт заблокирован" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_suspending_ends_an_open_session(client, merchant):
    merchant.status = User.Status.SUSPENDED
    merchant.save()

    assert client.get("/profile")["Location"].startswith("/login")


def test_logout_page_asks_then_logs_out(client, merchant):
    assert "Выйти из EvoSync?" in client.get("/logout").content.decode()
    response = client.post("/logout")

    assert response["Location"] == "/login"
    assert client.get("/profile")["Location"].startswith("/login")


def test_fifth_wrong_password_locks_account_and_address_with_a_clear_page(client, settings):
    UserFactory(email="shop@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "shop@example.com", "wrong-password").status_code == 200

    locked = log_in(client, "shop@example.com", "wrong-password")
    still_locked = log_in(client, "shop@example.com")  # the right password doesn't help now

    assert locked.status_code == 429
    assert "Слишком много попыток входа" in locked.content.decode()
    assert "shop@example.com" in locked.content.decode()
    assert still_locked.status_code == 429
    assert "_auth_user_id" not in client.session
    attempt = AccessAttempt.objects.get()
    assert attempt.username == "shop@example.com"
    assert attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT


def test_lockout_is_per_account_so_another_merchant_still_logs_in(client, settings):
    UserFactory(email="victim@example.com")
    UserFactory(email="other@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "victim@example.com", "wrong-password")

    assert log_in(client, "other@example.com")["Location"] == "/home"


def test_a_success_before_the_limit_resets_the_count(client, settings):
    UserFactory(email="shop@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "shop@example.com", "wrong-password")
    log_in(client, "shop@example.com")
    client.logout()

    assert log_in(client, "shop@example.com", "wrong-password").status_code == 200


def test_forgot_password_mails_a_link_that_sets_a_new_password_once(client, mailoutbox):
    user = UserFactory(email="shop@example.com")

    response = client.post("/forgot-password", {"email": "shop@example.com"})
    assert response["Location"] == "/forgot-password/sent"
    assert mailoutbox[0].subject == "[EvoSync] Сброс пароля EvoSync"
    link = link_in(mailoutbox[0])
    assert link.startswith("/reset-password/")

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert done["Location"] == "/reset-password/done"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    reused = client.get(link, follow=True)
    assert "Ссылка не работает" in reused.content.decode()


def test_forgot_password_for_unknown_email_is_a_form_error(client, mailoutbox):
    response = client.post("/forgot-password", {"email": "nobody@example.com"})

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert mailoutbox == []


def test_forgot_password_for_pending_account_points_to_confirmation(client, mailoutbox):
    UserFactory(email="shop@example.com", status=User.Status.PENDING)

    response = client.post("/forgot-password", {"email": "shop@example.com"})

    assert "ещё не подтверждён" in response.content.decode()
    assert mailoutbox == []


def test_forgot_password_for_suspended_account_says_it_is_blocked(client, mailoutbox):
    UserFactory(email="shop@example.com", status=User.Status.SUSPENDED)

    response = client.post("/forgot-password", {"email": "shop@example.com"})

    assert "Аккаунт заблокирован" in response.content.decode()
    assert mailoutbox == []


def test_reset_link_with_a_bad_key_explains(client):
    user = UserFactory()

    response = client.get(f"/reset-password/{user.pk:x}-bad-key", follow=True)

    assert "Ссылка не работает" in response.content.decode()


def test_reset_mail_in_english_for_an_english_browser(client, mailoutbox):
    UserFactory(email="shop@example.com")

    client.post("/forgot-password", {"email": "shop@example.com"}, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert mailoutbox[0].subject == "[EvoSync] Reset your EvoSync password"


def test_change_password_needs_the_old_one(client, merchant):
    wrong = client.post(
        "/profile/change-password",
        {"oldpassword": "not-it", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200
    assert "oldpassword" in wrong.context["form"].errors

    right = client.post(
        "/profile/change-password",
        {"oldpassword": DEFAULT_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert right.status_code == 302
    merchant.refresh_from_db()
    assert merchant.check_password(NEW_PASSWORD)


def test_change_password_page_is_for_logged_in_users(client):
    assert client.get("/profile/change-password")["Location"].startswith("/login")
