"""Once gave the staff roles this app's permissions; accounts.roles does that now after every migrate
(post_migrate, from its one table). Kept, empty, so the migration graph stays as deployed databases know it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial"), ("accounts", "0003_roles")]

    operations = []
