from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_schedules(sender, using="default", **kwargs):
    """After the beat tables are migrated, make sure our periodic tasks are in them."""
    if sender.label != "django_celery_beat":
        return
    from evosync.schedules import install_periodic_tasks

    install_periodic_tasks()


class EvosyncConfig(AppConfig):
    default = True  # this module also holds AxesConfig: "evosync" in INSTALLED_APPS means this one
    name = "evosync"
    verbose_name = "EvoSync"

    def ready(self):
        post_migrate.connect(_install_schedules, dispatch_uid="evosync.install_schedules")


class AxesConfig(AxesAppConfig):
    """django-axes as it is, under a Russian name in the admin (axes gives its app none)."""

    verbose_name = "Попытки входа"
