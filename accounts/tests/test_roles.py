"""Roles: the data migration's groups and permissions, and set_role keeping the staff flags in step."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection

from accounts import roles, services, team_roles
from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

roles_migration = importlib.import_module("accounts.migrations.0003_roles")


def codenames(group_name):
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_migrations_create_the_four_roles():
    assert set(Group.objects.filter(name__in=roles.ROLES).values_list("name", flat=True)) == set(roles.ROLES)


def test_system_role_holds_every_permission_but_the_shops_object_permissions():
    every = Permission.objects.exclude(content_type__app_label="accounts", codename__in=team_roles.OBJECT_ONLY)
    assert Group.objects.get(name=roles.SYSTEM).permissions.count() == every.count()


def test_admin_role_runs_the_service_but_only_views_roles():
    perms = codenames(roles.ADMIN)

    for perm in [
        "accounts.change_user",
        "accounts.delete_user",
        "accounts.add_invite",
        "connections.change_evotorconnection",
        "catalog.view_product",
        "django_celery_beat.change_periodictask",
        "axes.delete_accessattempt",
    ]:
        assert perm in perms
    assert "auth.view_group" in perms
    assert "auth.change_group" not in perms
    assert "auth.add_permission" not in perms


def test_user_role_has_no_admin_permissions():
    assert codenames(roles.USER) == set()


def test_migration_is_repeatable_and_keeps_staff_edits():
    admin = Group.objects.get(name=roles.ADMIN)
    extra = Permission.objects.get(codename="change_group")
    admin.permissions.add(extra)
    Group.objects.filter(name=roles.USER).delete()

    # The data step only reads the connection's alias; SQLite refuses a real schema editor inside a test.
    roles_migration.create_roles(global_apps, SimpleNamespace(connection=connection))

    assert Group.objects.filter(name=roles.USER).exists()
    assert extra in Group.objects.get(name=roles.ADMIN).permissions.all()


@pytest.mark.parametrize(
    "role, staff, superuser",
    [(roles.SYSTEM, True, True), (roles.ADMIN, True, False), (roles.SUPPORT, True, False), (roles.USER, False, False)],
)
def test_set_role_sets_group_and_flags(role, staff, superuser):
    user = UserFactory()

    services.set_role(user=user, role=role)

    user = User.objects.get(pk=user.pk)
    assert (user.role, user.is_staff, user.is_superuser) == (role, staff, superuser)
    assert list(user.groups.values_list("name", flat=True)) == [role]


def test_set_role_replaces_the_previous_role():
    user = UserFactory()
    services.set_role(user=user, role=roles.SYSTEM)

    services.set_role(user=user, role=roles.USER)

    user = User.objects.get(pk=user.pk)
    assert (user.role, user.is_staff, user.is_superuser) == (roles.USER, False, False)


def test_set_role_refuses_an_unknown_role():
    with pytest.raises(ValueError):
        services.set_role(user=UserFactory(), role="owner")


def test_admin_role_gets_admin_rights_from_its_group():
    user = UserFactory()
    services.set_role(user=user, role=roles.ADMIN)

    user = User.objects.get(pk=user.pk)
    assert user.has_perm("accounts.change_user")
    assert not user.has_perm("auth.change_group")


def test_createsuperuser_makes_a_system_user():
    user = User.objects.create_superuser("root@evosync.local", "Root-Pass-2026")

    assert user.role == roles.SYSTEM
    assert user.status == User.Status.ACTIVE


def test_migration_gives_accounts_without_a_role_the_one_their_flags_say():
    root = UserFactory(is_staff=True, is_superuser=True)
    staff = UserFactory(is_staff=True)
    merchant = UserFactory()

    roles_migration.create_roles(global_apps, SimpleNamespace(connection=connection))

    assert [User.objects.get(pk=u.pk).role for u in (root, staff, merchant)] == [roles.SYSTEM, roles.ADMIN, roles.USER]


def table_says(role: str) -> set[str]:
    labels = {config.label for config in global_apps.get_app_configs()}
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for label in labels
        for p in roles.permissions_of(role, label).select_related("content_type")
    }


@pytest.mark.parametrize("role", roles.ROLES)
def test_a_fresh_migrate_gives_each_role_the_permissions_of_the_table(role):
    # The test database is made by a fresh `migrate`: the groups hold what accounts.roles.PERMISSIONS says.
    assert codenames(role) == table_says(role)


def test_apps_added_since_the_roles_give_admin_and_support_their_permissions_without_a_data_migration():
    assert {"orders.change_order", "notifications.view_notice", "audit.view_auditevent"} <= codenames(roles.ADMIN)
    assert "audit.change_auditevent" not in codenames(roles.ADMIN)
    assert {"orders.change_order", "orders.view_order", "catalog.view_product"} <= codenames(roles.SUPPORT)
    assert not {"orders.delete_order", "catalog.change_product", "accounts.add_user"} & codenames(roles.SUPPORT)


def test_migrate_gives_back_an_apps_permissions_to_the_roles_and_keeps_staff_additions():
    admin = Group.objects.get(name=roles.ADMIN)
    admin.permissions.remove(*Permission.objects.filter(content_type__app_label="orders"))
    extra = Permission.objects.get(codename="change_group")
    admin.permissions.add(extra)

    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)

    assert {"orders.add_order", "orders.change_order", "orders.view_order"} <= codenames(roles.ADMIN)
    assert "auth.change_group" in codenames(roles.ADMIN)


def test_no_role_holds_a_shops_object_permission_even_when_added_by_hand():
    admin = Group.objects.get(name=roles.ADMIN)
    admin.permissions.add(Permission.objects.get(codename=team_roles.VIEW))

    emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)

    for role in (roles.SYSTEM, roles.ADMIN, roles.SUPPORT):
        assert not {f"accounts.{name}" for name in team_roles.OBJECT_ONLY} & codenames(role)


def test_the_staff_role_data_migrations_of_later_apps_are_empty():
    for module in (
        "orders.migrations.0002_staff_role_permissions",
        "notifications.migrations.0002_staff_role_permissions",
        "audit.migrations.audit-0002",
    ):
        assert importlib.import_module(module).Migration.operations == []
