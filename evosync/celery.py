"""The Celery app: Redis broker (a folder on disk without Redis), beat in the database."""

import gc
import logging
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init, worker_ready
from celery.worker.consumer import Consumer

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evosync.settings")

logger = logging.getLogger(__name__)

app = Celery("evosync")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

import evosync.instrumentation  # noqa: E402, F401 - connects the task metrics' signal handlers

# A full collection is considered after this many younger ones (Python's default: 10). With the startup heap
# frozen, the collector's rule "only once a quarter more objects than the last full one left" is met at once
# when a slot builds a large shop's catalog, so full collections came every few hundred thousand allocations.
FULL_COLLECTION_EVERY = 100


@worker_process_init.connect
@worker_ready.connect
def freeze_startup_heap(**kwargs):
    """Once a worker process has started (Django, the apps, Celery: hundreds of thousands of objects that live as
    long as it), those objects are moved out of the garbage collector's way (`gc.freeze`): a full collection no
    longer walks them, and full collections come a tenth as often (`FULL_COLLECTION_EVERY`; the young ones stay
    as small and as frequent). A collection holds the GIL, so in a threads pool it stops every slot of the node at
    once, and each slot's slice loses that time (`make bench-fleet` counts the pauses). Prefork children freeze
    their own heap after the fork (`worker_process_init`); a threads or solo pool's one process when it is ready."""
    gc.freeze()
    young, middle, _full = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)


@app.on_after_configure.connect
def _filesystem_broker_folders(sender, **kwargs):
    """The filesystem transport needs its folders to exist before anyone publishes.

    Its exchange tables go in `control/` under the broker folder: kombu's default is `control` in the
    working directory, which put them in the repository. Its transport is kombu's with messages that appear
    whole (`evosync.broker`): kombu's own lets a worker take a half-written message and stop."""
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        folder = os.path.join(settings.BASE_DIR, settings.CELERY_BROKER_FOLDER)
        control = os.path.join(folder, "control")
        os.makedirs(control, exist_ok=True)
        sender.conf.broker_transport = "evosync.broker:Transport"
        sender.conf.broker_transport_options = {
            "data_folder_in": folder,
            "data_folder_out": folder,
            "control_folder": control,
            "polling_interval": settings.CELERY_BROKER_POLLING_SECONDS,
        }


class BrokerRestartSafeConsumer(Consumer):
    """The worker's consumer, surviving a Redis restart while it holds messages it has not acknowledged yet.

    With acks_late every running task holds its message until done. When the connection is lost, Celery 5.7
    drops the connection's transport and then closes its channel, whose QoS tries to give the held messages back
    through the dropped transport, and acknowledging a message of that channel later goes the same way: both
    raise AttributeError and the worker exits ("Unrecoverable error"). So before Celery lets go of the lost
    channel, its messages are given back while that still works (a dropped socket, Redis still up); when Redis
    itself is down they stay in its unacked set and come back after the visibility timeout. Acknowledgements of
    tasks that finish afterwards go through the connection the worker has by then (Redis's delivery tags are not
    bound to a channel), so a task done once is not handed out again."""

    def on_connection_error_after_connected(self, exc):
        if self.connection is not None and self.app.conf.broker_url.startswith(("redis://", "rediss://")):
            for channel in _open_channels(self.connection):
                self._let_go(channel)
        super().on_connection_error_after_connected(exc)

    def _let_go(self, lost) -> None:
        qos = getattr(lost, "_qos", None)
        if qos is not None:
            try:
                qos.restore_unacked_once()
            except Exception as error:  # noqa: BLE001 - Redis is down: the messages wait in its unacked set
                logger.warning("unacknowledged messages left to the visibility timeout", extra={"error": repr(error)})
                qos._delivered.clear()
        lost.basic_ack = lambda delivery_tag, multiple=False: self._current_qos().ack(delivery_tag)
        lost.basic_reject = lambda delivery_tag, requeue=False: self._current_qos().reject(delivery_tag, requeue)

    def _current_qos(self):
        if self.connection is None:
            from redis.exceptions import ConnectionError as RedisConnectionError

            raise RedisConnectionError("the broker connection is not back yet")
        return self.connection.default_channel.qos


def _open_channels(connection) -> list:
    channels = [getattr(connection, "_default_channel", None)]
    channels += getattr(getattr(connection, "_connection", None), "channels", None) or []
    return [channel for channel in dict.fromkeys(channels) if channel is not None]


@task_prerun.connect
def _bind_task_id(task_id=None, **kwargs):
    from evosync.logging import task_id_var

    task_id_var.set(task_id)


@task_postrun.connect
def _unbind_task_id(**kwargs):
    from evosync.logging import task_id_var

    task_id_var.set(None)
