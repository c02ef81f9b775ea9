"""Once gave `system` every permission and `admin` the trail's view permission; accounts.roles does that now
after every migrate (post_migrate, from its one table). Kept, empty, so the migration graph stays as deployed
databases know it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_audit_trail"),
        ("accounts", "0003_roles"),
    ]

    operations = []
