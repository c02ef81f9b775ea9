"""A suspension ends the user's sessions for good: activating the account again does not bring an old
session cookie back to life (issue 12, finding 10)."""

import pytest
from django.test import Client

from accounts import roles, services
from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tests.helpers import log_in

pytestmark = pytest.mark.django_db
USERS = "/admin/accounts/user/"


@pytest.fixture
def merchant_browser():
    """A merchant logged in through /login, as a browser would be, with their session cookie."""
    user = UserFactory(email="shop@example.com")
    browser = Client()
    assert log_in(browser, "shop@example.com").status_code == 302
    assert browser.get("/profile").status_code == 200
    browser.user = user
    return browser


@pytest.fixture
def staff_browser():
    staff = UserFactory(staff=True)
    services.set_role(user=staff, role=roles.SYSTEM)
    browser = Client()
    browser.force_login(staff)
    return browser


def old_cookie_works(browser) -> bool:
    response = browser.get("/profile")
    return response.status_code == 200


def test_suspend_then_activate_leaves_the_old_session_dead(merchant_browser):
    services.suspend(user=merchant_browser.user)
    services.activate(user=User.objects.get(pk=merchant_browser.user.pk))
    assert not old_cookie_works(merchant_browser)


def test_through_the_admin_action_too(merchant_browser, staff_browser):
    pk = merchant_browser.user.pk
    for action in ("suspend_users", "activate_users"):
        staff_browser.post(USERS, {"action": action, "_selected_action": [pk], "index": 0})
    assert User.objects.get(pk=pk).status == User.Status.ACTIVE
    assert not old_cookie_works(merchant_browser)


def test_through_the_admin_change_form_too(merchant_browser, staff_browser):
    user = User.objects.get(pk=merchant_browser.user.pk)
    for status in (User.Status.SUSPENDED, User.Status.ACTIVE):
        data = {"email": user.email, "full_name": user.full_name, "phone": user.phone, "status": status}
        response = staff_browser.post(f"{USERS}{user.pk}/change/", data | {"language": "ru", "role": roles.USER})
        assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.get(pk=user.pk).status == User.Status.ACTIVE
    assert not old_cookie_works(merchant_browser)


def test_the_user_logs_in_again_after_reactivation(merchant_browser):
    services.suspend(user=merchant_browser.user)
    services.activate(user=User.objects.get(pk=merchant_browser.user.pk))
    fresh = Client()
    assert log_in(fresh, "shop@example.com").status_code == 302
    assert old_cookie_works(fresh)
    assert log_in(merchant_browser, "shop@example.com").status_code == 302  # the same browser, logging in anew
    assert old_cookie_works(merchant_browser)


def test_a_user_never_suspended_keeps_django_s_own_hash_so_deploying_ends_no_session(merchant_browser):
    user = User.objects.get(pk=merchant_browser.user.pk)
    assert user.session_epoch == 0
    assert user.get_session_auth_hash() == user._get_session_auth_hash()
    assert old_cookie_works(merchant_browser)


def test_other_users_sessions_survive_a_suspension(merchant_browser):
    other = UserFactory(email="other@example.com")
    other_browser = Client()
    log_in(other_browser, "other@example.com")
    services.suspend(user=other)
    assert old_cookie_works(merchant_browser)
