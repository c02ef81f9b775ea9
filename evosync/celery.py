"""The Celery app: Redis broker (a folder on disk without Redis), beat in the database."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evosync.settings")

app = Celery("evosync")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _filesystem_broker_folders(sender, **kwargs):
    """The filesystem transport needs its folders to exist before anyone publishes.

    Its exchange tables go in `control/` under the broker folder: kombu's default is `control` in the
    working directory, which put them in the repository."""
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        folder = os.path.join(settings.BASE_DIR, settings.CELERY_BROKER_FOLDER)
        control = os.path.join(folder, "control")
        os.makedirs(control, exist_ok=True)
        sender.conf.broker_transport_options = {
            "data_folder_in": folder,
            "data_folder_out": folder,
            "control_folder": control,
        }


@task_prerun.connect
def _bind_task_id(task_id=None, **kwargs):
    from evosync.logging import task_id_var

    task_id_var.set(task_id)


@task_postrun.connect
def _unbind_task_id(**kwargs):
    from evosync.logging import task_id_var

    task_id_var.set(None)
