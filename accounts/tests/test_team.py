"""A shop's team: invitations by a signed link that expires, «Команда» (roles, removal, revoking), the last
owner kept, the header's shop switcher, the team's events on the audit trail."""

import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.db import connection
from guardian.models import UserObjectPermission
from guardian.shortcuts import get_perms

from accounts import team, team_roles
from accounts.access import SHOP_SESSION_KEY
from accounts.models import TeamInvite, User
from accounts.tests.factories import TeamInviteFactory, UserFactory, member_of
from accounts.tests.helpers import link_in
from audit.models import AuditEvent, Event

pytestmark = pytest.mark.django_db

owners_migration = importlib.import_module("accounts.migrations.0009_owners_of_their_shops")


def role_of(shop, user):
    return team.role_on(shop, user)


def invite_by_page(client, owner, email, role, capture):
    client.force_login(owner)
    with capture(execute=True):
        response = client.post("/team/invite", {"email": email, "role": role})
    return response


def test_a_new_account_owns_its_own_shop():
    merchant = UserFactory()

    assert set(get_perms(merchant, merchant)) == team_roles.ROLES[team_roles.OWNER]


def test_the_migration_makes_every_existing_account_the_owner_of_its_shop():
    merchant = UserFactory()
    UserObjectPermission.objects.filter(user=merchant).delete()

    owners_migration.own_their_shops(global_apps, SimpleNamespace(connection=connection))

    assert role_of(merchant, merchant) == team_roles.OWNER


def test_owner_invites_a_colleague_who_logs_in_and_joins_with_the_role(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    owner = UserFactory(full_name="Анна Петрова")
    colleague = UserFactory(email="olga@example.com")

    response = invite_by_page(client, owner, "Olga@Example.com", team_roles.MANAGER, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert mailoutbox[0].to == ["olga@example.com"]
    assert "«управляет»" in mailoutbox[0].body and "Анна Петрова" in mailoutbox[0].body
    link = link_in(mailoutbox[0])
    client.logout()
    page = client.get(link, follow=True)
    assert "Войдите с адресом olga@example.com" in page.content.decode()
    client.force_login(colleague)
    assert client.post("/team/join").status_code == 302
    assert role_of(owner, colleague) == team_roles.MANAGER
    assert client.session[SHOP_SESSION_KEY] == owner.pk  # the pages show the shop just joined
    events = list(AuditEvent.objects.filter(merchant_id=owner.pk).values_list("event", flat=True))
    assert {Event.INVITE_SENT, Event.INVITE_ACCEPTED} <= set(events)


def test_an_invitation_is_accepted_only_by_the_address_it_was_sent_to(client):
    invite = TeamInviteFactory(email="olga@example.com")
    someone_else = UserFactory(email="ivan@example.com")
    client.force_login(someone_else)

    client.get(f"/team/join/{team.invite_token(invite)}")
    response = client.post("/team/join")

    assert response.status_code == 403
    assert role_of(invite.shop, someone_else) is None


def test_an_expired_revoked_or_forged_link_grants_nothing(client, settings):
    colleague = UserFactory(email="olga@example.com")
    client.force_login(colleague)
    revoked = TeamInviteFactory(email=colleague.email)
    team.revoke_invite(invite=revoked)
    expired = TeamInviteFactory(email=colleague.email)
    token = team.invite_token(expired)
    settings.TEAM_INVITE_EXPIRE_HOURS = 0  # the signature's age is now past the limit

    for link in (token, team.invite_token(revoked), "forged-link-000"):
        client.get(f"/team/join/{link}")
        response = client.post("/team/join")
        assert response.status_code == 410

    assert role_of(expired.shop, colleague) is None and role_of(revoked.shop, colleague) is None


def test_an_invitation_link_works_once(client):
    invite = TeamInviteFactory(email="olga@example.com", role=team_roles.VIEWER)
    colleague = UserFactory(email="olga@example.com")
    client.force_login(colleague)
    client.get(f"/team/join/{team.invite_token(invite)}")
    client.post("/team/join")

    client.get(f"/team/join/{team.invite_token(invite)}")
    assert client.post("/team/join").status_code == 410


def test_signing_up_from_an_invitation_makes_an_account_without_a_shop_of_its_own(client):
    invite = TeamInviteFactory(email="new@example.com")
    client.get(f"/team/join/{team.invite_token(invite)}")
    password = "Colleague-Pass-4417"

    client.post(
        "/register",
        {"email": "new@example.com", "full_name": "Новый", "phone": "+7 900 111-22-33", "password1": password,
         "password2": password},
    )  # fmt: skip

    new = User.objects.get(email="new@example.com")
    assert role_of(new, new) is None


def test_team_page_lists_members_and_pending_invitations(client):
    owner = UserFactory()
    member_of(owner, role=team_roles.VIEWER, email="viewer@example.com")
    TeamInviteFactory(shop=owner, email="waiting@example.com")
    TeamInviteFactory(shop=owner, email="gone@example.com", revoked_at="2026-01-01T00:00Z")
    client.force_login(owner)

    text = client.get("/team").content.decode()

    assert "viewer@example.com" in text and "waiting@example.com" in text
    assert "gone@example.com" not in text


def test_owner_changes_a_role_and_removes_a_member_on_the_trail(client):
    owner = UserFactory()
    member = member_of(owner, role=team_roles.VIEWER)
    client.force_login(owner)
    AuditEvent.objects.all().delete()  # the member's joining, above

    client.post(f"/team/members/{member.pk}/role", {"role": team_roles.OWNER})
    assert role_of(owner, member) == team_roles.OWNER
    client.post(f"/team/members/{member.pk}/remove")
    assert role_of(owner, member) is None

    trail = AuditEvent.objects.filter(merchant_id=owner.pk, object_pk=str(member.pk))
    assert list(trail.order_by("pk").values_list("event", "changes")) == [
        (Event.ROLE_CHANGED, {"роль в команде": ["смотрит", "владелец"]}),
        (Event.MEMBER_REMOVED, {"роль в команде": ["владелец", None]}),
    ]


def test_the_last_owner_can_be_neither_removed_nor_demoted(client):
    owner = UserFactory()
    client.force_login(owner)

    removal = client.post(f"/team/members/{owner.pk}/remove", follow=True)
    client.post(f"/team/members/{owner.pk}/role", {"role": team_roles.VIEWER})

    assert role_of(owner, owner) == team_roles.OWNER
    assert "хотя бы один владелец" in removal.content.decode()
    with pytest.raises(team.LastOwner):
        team.remove_member(shop=owner, member=owner)


def test_with_a_second_owner_the_first_may_step_down():
    owner = UserFactory()
    second = member_of(owner, role=team_roles.OWNER)

    team.change_role(shop=owner, member=owner, role=team_roles.VIEWER)

    assert (role_of(owner, owner), role_of(owner, second)) == (team_roles.VIEWER, team_roles.OWNER)


def test_owner_revokes_a_pending_invitation_on_the_trail(client):
    owner = UserFactory()
    invite = TeamInviteFactory(shop=owner)
    client.force_login(owner)

    client.post(f"/team/invites/{invite.pk}/revoke")

    assert TeamInvite.objects.get(pk=invite.pk).revoked_at is not None
    assert AuditEvent.objects.filter(merchant_id=owner.pk, event=Event.INVITE_REVOKED).count() == 1


def test_a_new_invitation_to_the_same_address_retires_the_open_one(django_capture_on_commit_callbacks):
    owner = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = team.invite_member(shop=owner, email="x@example.com", role=team_roles.VIEWER, invited_by=owner)
        team.invite_member(shop=owner, email="x@example.com", role=team_roles.OWNER, invited_by=owner)

    assert not TeamInvite.objects.get(pk=first.pk).is_pending
    assert list(TeamInvite.objects.pending().values_list("role", flat=True)) == [team_roles.OWNER]


def test_a_member_of_two_shops_starts_in_their_own_and_switches_in_the_header(client):
    own = UserFactory(full_name="Свой магазин")
    other = UserFactory(full_name="Магазин Анны")
    member_of(other, role=team_roles.VIEWER, email="x@example.com")
    team.change_role(shop=other, member=own, role=team_roles.VIEWER)
    client.force_login(own)

    page = client.get("/profile").content.decode()
    assert "Магазин Анны" in page and 'name="shop"' in page  # the switcher: two shops to choose from
    assert client.get("/team").status_code == 200  # the owner of their own shop

    client.post("/shop", {"shop": other.pk})

    assert client.session[SHOP_SESSION_KEY] == other.pk
    assert client.get("/team").status_code == 403  # a viewer in Anna's shop
    assert client.get("/catalog/stores").status_code == 200


def test_the_switcher_refuses_a_shop_the_person_is_not_in(client):
    merchant = UserFactory()
    stranger = UserFactory()
    client.force_login(merchant)

    client.post("/shop", {"shop": stranger.pk})

    assert SHOP_SESSION_KEY not in client.session
    assert client.get("/sync").wsgi_request.shop == merchant


def test_someone_removed_from_the_shop_they_were_looking_at_falls_back_to_their_own(client):
    own = UserFactory()
    other = UserFactory()
    team.change_role(shop=other, member=own, role=team_roles.MANAGER)
    client.force_login(own)
    client.post("/shop", {"shop": other.pk})

    team.remove_member(shop=other, member=own)

    assert client.get("/sync").wsgi_request.shop == own
    assert SHOP_SESSION_KEY not in client.session


def test_someone_in_no_shop_lands_on_their_profile(client):
    nobody = UserFactory(joins_team=True)
    client.force_login(nobody)

    assert client.get("/home").url == "/profile"
    assert client.get("/catalog").status_code == 403


def test_an_invitation_lasts_the_configured_hours(settings):
    settings.TEAM_INVITE_EXPIRE_HOURS = 5
    owner = UserFactory()

    invite = team.invite_member(shop=owner, email="x@example.com", role=team_roles.VIEWER, invited_by=owner)

    assert invite.expires_at - invite.created_at == timedelta(hours=5)
