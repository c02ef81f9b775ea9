"""Staff of role `admin` run the service from the admin: they get every permission on this app's objects, as
accounts' 0003_roles gave them on the apps that existed then (role permissions are edited on the group page after)."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

APP = "notifications"


def give_admin_role_permissions(apps, schema_editor):
    create_permissions(global_apps.get_app_config(APP), verbosity=0, using=schema_editor.connection.alias)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=["system", "admin"]):
        group.permissions.add(*Permission.objects.filter(content_type__app_label=APP))


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial"), ("accounts", "0003_roles")]

    operations = [migrations.RunPython(give_admin_role_permissions, migrations.RunPython.noop)]
