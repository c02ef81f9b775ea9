"""Roles `system`, `admin`, `user` as groups with their first permissions.

After this, role permissions are edited on the admin's group page; this migration only
creates what is missing and never takes a permission away.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

# Apps whose objects staff (`admin`) run from the admin: all their permissions.
SERVICE_APPS = ["accounts", "connections", "catalog", "vkshop", "vksync", "webhooks", "account", "axes", "django_celery_beat"]
# What `admin` may look at but not change: the roles themselves are `system`'s to edit.
ADMIN_VIEW_ONLY = ["auth"]


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; make them now so the groups get them.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=schema_editor.connection.alias)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    system, _ = Group.objects.get_or_create(name="system")
    admin, _ = Group.objects.get_or_create(name="admin")
    user, _ = Group.objects.get_or_create(name="user")  # merchants: no admin rights; they own their objects
    system.permissions.add(*Permission.objects.all())
    admin.permissions.add(
        *Permission.objects.filter(content_type__app_label__in=SERVICE_APPS),
        *Permission.objects.filter(content_type__app_label__in=ADMIN_VIEW_ONLY, codename__startswith="view_"),
    )
    # Accounts made before roles existed get the role their flags already say.
    User = apps.get_model("accounts", "User")
    roleless = User.objects.exclude(groups__name__in=["system", "admin", "user"])
    for account in roleless:
        account.groups.add(system if account.is_superuser else admin if account.is_staff else user)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["system", "admin", "user"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_language_invite"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
