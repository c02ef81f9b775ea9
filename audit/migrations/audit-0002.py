"""The roles and the trail: `system` holds every permission (also the trail's), `admin` may read the trail.

Only adds what is missing, like accounts' role migration; the trail itself is read-only in the admin for all."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; make them now so the groups get them.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=schema_editor.connection.alias)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    trail = Permission.objects.filter(content_type__app_label="audit")
    system = Group.objects.filter(name="system").first()
    if system is not None:
        system.permissions.add(*Permission.objects.all())
    admin = Group.objects.filter(name="admin").first()
    if admin is not None:
        admin.permissions.add(*trail.filter(codename__startswith="view_"))


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_audit_trail"),
        ("accounts", "0003_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
