"""`make run` starts Flower on 127.0.0.1 behind the demo's staff login, on the demo's filesystem broker."""

import socket
import time

import requests

from tools.management.commands.demo import Command, stop

ACCOUNTS = [("staff", "admin@evosync.local", "admin-demo-2026"), ("merchant", "m@evosync.local", "m")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_flower_answers_the_staff_demo_login_only(tmp_path):
    port = free_port()
    env = {
        "DJANGO_SETTINGS_MODULE": "evosync.settings",
        "DEBUG": "true",
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_BROKER_FOLDER": str(tmp_path / "broker"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PATH": "/usr/bin:/bin",
    }
    flower = Command().start_flower(env, str(port), ACCOUNTS)
    assert flower is not None
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 60
        while True:
            try:
                refused = requests.get(url, timeout=5)
                break
            except requests.ConnectionError:
                assert flower.poll() is None and time.monotonic() < deadline, "Flower did not start"
                time.sleep(0.5)
        assert refused.status_code == 401
        assert requests.get(url, auth=("admin@evosync.local", "wrong"), timeout=5).status_code == 401
        page = requests.get(url + "workers", auth=("admin@evosync.local", "admin-demo-2026"), timeout=30)
        assert page.status_code == 200 and "Flower" in page.text
        assert Command().start_flower(env, str(port), ACCOUNTS) is None  # the port is taken: not started twice
    finally:
        stop([flower])
