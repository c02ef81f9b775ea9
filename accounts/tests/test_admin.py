"""The staff admin, driven through its own URLs: the users list, its actions, in-place edits, invites."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from accounts import roles, services
from accounts.models import Invite, User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.tests.helpers import link_in, log_in
from catalog.models import Store
from catalog.tests.factories import StoreFactory
from connections.tests.factories import EvotorConnectionFactory, VkConnectionFactory

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"
INVITES = "/admin/accounts/invite/"


@pytest.fixture
def system_client(client):
    staff = UserFactory(staff=True)
    services.set_role(user=staff, role=roles.SYSTEM)
    client.force_login(staff)
    client.staff = staff
    return client


@pytest.fixture
def admin_client_(client):
    """A staff member with the `admin` role (not a superuser): rights come from the role group."""
    staff = UserFactory(staff=True)
    services.set_role(user=staff, role=roles.ADMIN)
    client.force_login(staff)
    client.staff = staff
    return client


def run_action(client, action, users, **extra):
    return client.post(
        USERS, {"action": action, "_selected_action": [u.pk for u in users], "index": 0, **extra}, follow=True
    )


def test_admin_is_for_staff_only(client, merchant):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_suspended_staff_is_locked_out_of_the_admin(client):
    staff = UserFactory(staff=True)
    services.set_role(user=staff, role=roles.SYSTEM)
    client.force_login(staff)
    assert client.get(USERS).status_code == 200

    services.suspend(user=staff)

    assert client.get(USERS)["Location"].startswith("/admin/login/")
    login = client.post("/admin/login/", {"username": staff.email, "password": DEFAULT_PASSWORD})
    assert login.status_code == 200  # the form again, not a redirect into the admin
    assert client.get(USERS)["Location"].startswith("/admin/login/")


def test_staff_logs_into_the_admin_with_email(client):
    staff = UserFactory(staff=True)
    services.set_role(user=staff, role=roles.ADMIN)

    response = client.post("/admin/login/?next=/admin/", {"username": staff.email, "password": DEFAULT_PASSWORD})

    assert response["Location"] == "/admin/"
    assert client.get(USERS).status_code == 200


def test_users_list_shows_status_role_connections_and_last_sync(system_client):
    merchant = UserFactory(email="shop@example.com")
    services.set_role(user=merchant, role=roles.USER)
    EvotorConnectionFactory(merchant=merchant, status="ok")
    VkConnectionFactory(merchant=merchant, status="broken")

    response = system_client.get(USERS)

    assert response.status_code == 200
    page = response.content.decode()
    assert "shop@example.com" in page
    assert "Эвотор: Работает, VK: Ошибка" in page
    assert "Последняя синхронизация" in page
    row = next(r for r in response.context["cl"].result_list if r.pk == merchant.pk)
    assert row.role == roles.USER


def test_users_list_filters_by_status_role_and_connection(system_client):
    pending = UserFactory(status=User.Status.PENDING)
    connected = UserFactory()
    services.set_role(user=connected, role=roles.USER)
    EvotorConnectionFactory(merchant=connected, status="broken")

    def shown(query):
        return {u.pk for u in system_client.get(USERS + query).context["cl"].result_list}

    assert shown("?status__exact=pending") == {pending.pk}
    assert shown("?evotor=broken") == {connected.pk}
    assert connected.pk not in shown("?evotor=none")
    assert pending.pk in shown("?evotor=none")
    assert shown("?role=user") == {connected.pk}
    assert shown("?role=system") == {system_client.staff.pk}


def test_users_list_searches_email_name_and_phone(system_client):
    target = UserFactory(full_name="Зинаида Кобзева", phone="+79995550011")
    UserFactory()

    for query in ["Кобзева", "79995550011", target.email]:
        found = {u.pk for u in system_client.get(USERS, {"q": query}).context["cl"].result_list}
        assert found == {target.pk}


def test_action_activate_makes_pending_users_active_with_a_confirmed_email(system_client):
    user = UserFactory(status=User.Status.PENDING)

    response = run_action(system_client, "activate_users", [user])

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.status == User.Status.ACTIVE and user.is_active
    assert EmailAddress.objects.get(user=user).verified
    system_client.logout()
    assert log_in(system_client, user.email)["Location"] == "/home"


def test_action_suspend_locks_users_out_but_not_the_staff_member_themselves(system_client):
    user = UserFactory()

    run_action(system_client, "suspend_users", [user, system_client.staff])

    user.refresh_from_db()
    assert user.status == User.Status.SUSPENDED
    assert User.objects.get(pk=system_client.staff.pk).status == User.Status.ACTIVE


def test_action_send_password_reset_mails_a_working_link_in_the_users_language(system_client, client, mailoutbox):
    from django.test import Client

    user = UserFactory(language="en")
    pending = UserFactory(status=User.Status.PENDING)

    response = run_action(system_client, "send_password_reset", [user, pending])

    assert [m.to for m in mailoutbox] == [[user.email]]
    assert mailoutbox[0].subject == "[EvoSync] Reset your EvoSync password"
    assert "Не отправлено" in response.content.decode()
    browser = Client()
    form_page = browser.get(link_in(mailoutbox[0]), follow=True)
    done = browser.post(form_page.redirect_chain[-1][0], {"password1": "Fresh-Pass-77", "password2": "Fresh-Pass-77"})
    assert done["Location"] == "/reset-password/done"


def test_action_send_invite_invites_pending_users_only(system_client, mailoutbox, django_capture_on_commit_callbacks):
    pending = UserFactory(status=User.Status.PENDING)
    active = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(system_client, "send_invite", [pending, active])

    assert [m.to for m in mailoutbox] == [[pending.email]]
    assert link_in(mailoutbox[0]).startswith("/invite/")
    assert Invite.objects.get().created_by == system_client.staff
    assert "активным отправьте сброс пароля" in response.content.decode()


def test_action_delete_asks_then_deletes_with_everything_the_merchant_owns(system_client):
    user = UserFactory()
    StoreFactory(merchant=user)

    confirm = run_action(system_client, "delete_selected", [user])
    assert "Удалить выбранное (пользователь)? Будут удалены эти объекты" in confirm.content.decode()
    run_action(system_client, "delete_selected", [user], post="yes")

    assert not User.objects.filter(pk=user.pk).exists()
    assert not Store.objects.filter(merchant_id=user.pk).exists()


def test_status_is_edited_in_place_in_the_list(system_client):
    user = UserFactory(status=User.Status.PENDING)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(user.pk),
        "form-0-status": "active",
        "_save": "Save",
    }

    response = system_client.post(USERS + f"?q={user.email}", data)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.status == User.Status.ACTIVE and user.is_active
    assert EmailAddress.objects.get(user=user).verified


def test_change_form_sets_role_and_keeps_staff_flags_in_step(system_client):
    user = UserFactory()
    url = f"{USERS}{user.pk}/change/"
    form = system_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update({"email": user.email, "role": roles.ADMIN, "status": "active", "language": "ru"})

    response = system_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert (user.role, user.is_staff, user.is_superuser) == (roles.ADMIN, True, False)


def test_admin_role_cannot_hand_out_roles(admin_client_):
    user = UserFactory()
    services.set_role(user=user, role=roles.USER)
    url = f"{USERS}{user.pk}/change/"

    response = admin_client_.post(
        url, {"email": user.email, "full_name": "Новое имя", "role": roles.SYSTEM, "status": "active", "language": "ru"}
    )

    assert response.status_code == 302  # the rest of the form was saved
    user.refresh_from_db()
    assert user.full_name == "Новое имя"
    assert (user.role, user.is_superuser) == (roles.USER, False)


def test_admin_role_runs_user_actions_through_its_group_permissions(admin_client_):
    user = UserFactory()

    run_action(admin_client_, "suspend_users", [user])

    user.refresh_from_db()
    assert user.status == User.Status.SUSPENDED


def test_admin_role_sees_groups_but_cannot_change_them(admin_client_):
    group = Group.objects.get(name=roles.USER)

    assert admin_client_.get("/admin/auth/group/").status_code == 200
    response = admin_client_.post(f"/admin/auth/group/{group.pk}/change/", {"name": "renamed"})

    assert response.status_code == 403
    assert Group.objects.filter(name=roles.USER).exists()


def test_add_user_in_admin_with_role_and_no_password_then_invite(system_client, django_capture_on_commit_callbacks):
    data = {
        "email": "New.Shop@Example.com",
        "full_name": "Новый продавец",
        "phone": "",
        "status": "pending",
        "role": roles.USER,
        "language": "ru",
        "usable_password": "false",
    }

    response = system_client.post(f"{USERS}add/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="new.shop@example.com")
    assert user.role == roles.USER and not user.has_usable_password()


def test_add_user_refuses_an_email_taken_in_another_case(system_client):
    UserFactory(email="shop@example.com")
    data = {"email": "SHOP@example.com", "status": "pending", "role": roles.USER, "language": "ru"}

    response = system_client.post(f"{USERS}add/", data | {"usable_password": "false"})

    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors


def test_invite_added_in_admin_is_mailed_with_its_link(system_client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = system_client.post(f"{INVITES}add/", {"email": "guest@example.com", "language": "en"})

    assert response.status_code == 302
    invite = Invite.objects.get()
    assert (invite.email, invite.created_by, invite.language) == ("guest@example.com", system_client.staff, "en")
    assert mailoutbox[0].subject == "[EvoSync] Your invitation to EvoSync"
    assert system_client.get(link_in(mailoutbox[0]), follow=True).status_code == 200
    assert "действует" in system_client.get(INVITES).content.decode()


def test_invite_send_again_action_issues_a_new_link(system_client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.invite(email="guest@example.com", created_by=None)
    with django_capture_on_commit_callbacks(execute=True):
        system_client.post(INVITES, {"action": "send_again", "_selected_action": [first.pk], "index": 0})

    assert len(mailoutbox) == 2
    assert link_in(mailoutbox[0]) != link_in(mailoutbox[1])
    assert system_client.get(link_in(mailoutbox[0]), follow=True).status_code == 410
    assert system_client.get(link_in(mailoutbox[1]), follow=True).status_code == 200
