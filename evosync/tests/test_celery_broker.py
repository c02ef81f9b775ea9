"""The filesystem broker (the demo without Redis) keeps every file it writes under var/, none in the working tree."""

import multiprocessing
import queue
import time
from pathlib import Path

from celery import Celery
from kombu import Exchange, Queue

from evosync.celery import _filesystem_broker_folders


def filesystem_app(settings, base_dir: Path) -> Celery:
    """A Celery app configured as evosync's is on the filesystem broker, with the project at `base_dir`."""
    settings.BASE_DIR = base_dir
    settings.CELERY_BROKER_URL = "filesystem://"
    app = Celery("broker-test", set_as_current=False)
    app.conf.broker_url = "filesystem://"
    _filesystem_broker_folders(sender=app)
    return app


def test_control_folder_is_under_var(settings, tmp_path):
    options = filesystem_app(settings, tmp_path).conf.broker_transport_options
    assert Path(options["control_folder"]).is_relative_to(tmp_path / "var")


def test_publishing_and_broadcasting_write_nothing_outside_var(settings, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # kombu's default control folder is relative to the working directory
    app = filesystem_app(settings, tmp_path)
    with app.connection_for_write() as connection:
        # What a worker and a sender do: bind the task queue (its exchange table is the control file) and publish.
        queue = Queue("celery", Exchange("celery", type="direct"), routing_key="celery")
        with connection.Producer() as producer:
            producer.publish({"task": "noop"}, exchange=queue.exchange, routing_key="celery", declare=[queue])
        # A worker's remote-control mailbox is a fanout exchange: bind a node to it, then broadcast.
        node = app.control.mailbox(connection).Node("worker@test", channel=connection.default_channel)
        consumer = node.listen(callback=lambda *args: None)
        app.control.broadcast("ping", connection=connection)
        consumer.cancel()
    written = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert any(path.name.endswith(".exchange") for path in written)  # the broker did write its tables
    assert [path for path in written if not path.is_relative_to(tmp_path / "var")] == []


def _send_numbered_messages(app, count: int) -> None:
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        for number in range(count):
            channel._put("race", {"number": number, "body": "x" * 20_000})


def test_a_worker_polling_while_another_process_sends_reads_every_message_whole(settings, tmp_path):
    """kombu's own transport let the reader take a message's file before it was written: it read nothing and the
    worker stopped ("Unrecoverable error: JSONDecodeError"), the message lost (70 of 1000 here)."""
    app, count = filesystem_app(settings, tmp_path), 1000
    sender = multiprocessing.get_context("fork").Process(target=_send_numbered_messages, args=(app, count))
    sender.start()
    read, unreadable = [], []
    with app.connection_for_read() as connection:
        channel = connection.default_channel
        deadline = time.monotonic() + 60
        while len(read) + len(unreadable) < count and time.monotonic() < deadline:
            try:
                read.append(channel._get("race")["number"])
            except queue.Empty:
                continue
            except ValueError as error:  # json.JSONDecodeError: an empty or half-written file
                unreadable.append(error)
    sender.join(timeout=30)
    assert unreadable == []
    assert sorted(read) == list(range(count))


def _send_worker_event(app) -> None:
    with app.connection_for_write() as connection:
        with app.events.Dispatcher(connection, hostname="worker@test", groups=["worker"]) as dispatcher:
            dispatcher.send("worker-heartbeat")


def test_events_for_a_flower_that_went_away_stop_piling_up_once_its_listener_is_forgotten(settings, tmp_path):
    """kombu's filesystem fanout keeps a gone consumer's binding: every heartbeat was still written for it."""
    from evosync.broker import forget_event_listeners

    app = filesystem_app(settings, tmp_path)
    folder = tmp_path / "var" / "broker"
    with app.connection_for_write() as connection:  # Flower listens to the events, then stops without unbinding
        receiver = app.events.Receiver(connection, handlers={"*": lambda event: None})
        receiver.queue.bind(connection.default_channel).declare()
    for _ in range(3):
        _send_worker_event(app)
    piled = [path for path in folder.iterdir() if ".celeryev." in path.name]
    assert len(piled) == 3  # written for nobody
    assert forget_event_listeners(folder) == 4  # the binding and the three events
    _send_worker_event(app)
    assert [path for path in folder.iterdir() if ".celeryev." in path.name] == []
