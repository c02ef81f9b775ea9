"""A live EvoSync for the browser tests: the web server and a real Celery worker as subprocesses, the Evotor and VK
emulators on loopback in the test process (so a test changes Evotor's catalog and reads VK's shop directly).

The live EvoSync has a database and a broker of its own (SQLite and a broker folder in a temporary folder), so
the web server, the worker and the test process can all use them at once on a fresh machine; the rest of the
suite covers MariaDB and Redis. Mails are files (`mails()`), read as the merchant reads their inbox.
"""

import email
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from django.conf import settings

from emulators.evotor.app import EvotorEmulator
from emulators.server import serve_in_thread
from emulators.vk.app import VkEmulator

SERVER_SETTINGS = "evosync.tests.browser.server_settings"
START_SECONDS = 60
WEBHOOK_SECRET = "browser-webhook-secret"
_numbers = itertools.count(1)


@dataclass
class Shop:
    """One merchant's outside world: a catalog in the Evotor emulator and a community in the VK emulator."""

    email: str
    password: str
    evotor_token: str
    evotor_user_id: str
    catalog: dict
    vk_token: str
    vk_user_id: int
    group_id: int
    screen_name: str


@dataclass
class LiveEvoSync:
    url: str
    folder: Path
    env: dict
    evotor: EvotorEmulator
    vk: VkEmulator
    processes: list = field(default_factory=list)

    def new_shop(self, *, stores: int = 2, groups: int = 4, products: int = 24) -> Shop:
        """A new merchant's Evotor catalog and VK community (EvoSync knows nothing of them yet)."""
        n = next(_numbers)
        user_id = f"01-{n:015d}"
        catalog = self.evotor.add_merchant(
            token=f"evotor-cloud-token-{n}", user_id=user_id, seed=n, stores=stores, groups=groups, products=products
        )
        vk_user_id, group_id = 900 + n, 7100 + n
        self.vk.add_user(token=f"vk-user-token-{n}", user_id=vk_user_id, name="Анна Смирнова")
        self.vk.add_community(group_id=group_id, name=f"Лавка {n}", screen_name=f"lavka{n}", admins=[vk_user_id])
        return Shop(
            email=f"owner{n}@example.com",
            password=f"Browser-pass-{n}-2026",
            evotor_token=catalog["token"],
            evotor_user_id=user_id,
            catalog=catalog,
            vk_token=f"vk-user-token-{n}",
            vk_user_id=vk_user_id,
            group_id=group_id,
            screen_name=f"lavka{n}",
        )

    def manage(self, *args: str) -> str:
        """Run a `manage.py` command (or `seed`) against the live EvoSync's database; its output."""
        done = subprocess.run(  # noqa: S603
            [sys.executable, *args], env=self.env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60
        )
        if done.returncode:
            raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def seed(self, *args: str) -> str:
        return self.manage("-m", "evosync.tests.browser.seed", *args)

    def mails(self, to: str) -> list[email.message.Message]:
        """The mails sent to `to`, oldest first."""
        found = []
        for path in sorted((self.folder / "mail").glob("*.log"), key=lambda p: p.stat().st_mtime):
            for chunk in path.read_text().split("-" * 79):
                message = email.message_from_string(chunk.strip())
                if to in (message.get("To") or ""):
                    found.append(message)
        return found

    def assert_running(self) -> None:
        """The web server and the worker are still up (a worker that stopped leaves every wait to time out)."""
        for name, process in zip(("web", "worker"), self.processes, strict=True):
            assert process.poll() is None, f"the live EvoSync's {name} stopped:\n{self.log(name)[-3000:]}"

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")


def environment(folder: Path, evotor_url: str, vk_url: str) -> dict:
    """The live EvoSync's settings: its own database and broker, the emulators, and short waits."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "CELERY_"))},
        "DJANGO_SETTINGS_MODULE": SERVER_SETTINGS,
        "EVOSYNC_BROWSER_MAIL_DIR": str(folder / "mail"),
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,  # the same as the test process's: it computes Evotor's api tokens
        "FIELD_ENCRYPTION_KEY": settings.FIELD_ENCRYPTION_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BASE_URL": "",  # set by start() once the port is known
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_BROKER_FOLDER": str(folder / "broker"),
        "VAR_DIR": str(folder / "var"),
        "EVOTOR_API_URL": evotor_url,
        "EVOTOR_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "EVOTOR_RETRY_BACKOFF_SECONDS": "0.05",
        "EVOTOR_PUSH_REFRESH_DELAY_SECONDS": "1",
        "CATALOG_SELECTION_REFRESH_DELAY_SECONDS": "1",
        "SYNC_DEBOUNCE_SECONDS": "1",
        "STOCK_SYNC_DEBOUNCE_SECONDS": "1",
        "VK_API_URL": vk_url,
        "VK_ID_CLIENT_ID": "evosync-browser",
        "VK_ID_AUTHORIZE_URL": f"{vk_url}/authorize",
        "VK_ID_TOKEN_URL": f"{vk_url}/oauth2/auth",
        "VK_RATE_LIMIT_PER_SECOND": "1000",
        "VK_RETRY_BACKOFF_SECONDS": "0.05",
        "EMAIL_PROVIDER": "console",
        "PYTHONUNBUFFERED": "1",
    }


def start(folder: Path, stack) -> LiveEvoSync:
    """Migrate, then serve EvoSync and run its worker; everything stops when `stack` closes."""
    (folder / "mail").mkdir(parents=True)
    evotor = EvotorEmulator(page_size=1000)
    vk = VkEmulator(rate_limit_per_second=None, oauth_client_id="evosync-browser")
    evotor_url = stack.enter_context(serve_in_thread(evotor.wsgi_app))
    vk_url = stack.enter_context(serve_in_thread(vk.wsgi_app))
    evotor.base_url, vk.base_url = evotor_url, vk_url
    port = free_port()
    env = environment(folder, evotor_url, vk_url) | {"BASE_URL": f"http://127.0.0.1:{port}"}
    live = LiveEvoSync(url=f"http://127.0.0.1:{port}", folder=folder, env=env, evotor=evotor, vk=vk)
    live.manage("manage.py", "migrate", "--no-input", "-v0")
    stack.callback(stop, live.processes)
    live.processes.append(spawn(live, "web", "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"))
    live.processes.append(
        spawn(
            live, "worker", "-m", "celery", "-A", "evosync", "worker", "--pool=threads", "--concurrency=2", "-l", "INFO"
        )
    )
    wait_until_up(live)
    return live


def spawn(live: LiveEvoSync, name: str, *args: str) -> subprocess.Popen:
    log = open(live.folder / f"{name}.log", "w")  # noqa: SIM115 - the child writes it until stop()
    return subprocess.Popen(  # noqa: S603
        [sys.executable, *args], env=live.env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT
    )


def wait_until_up(live: LiveEvoSync) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        dead = [p for p in live.processes if p.poll() is not None]
        if dead:
            raise RuntimeError(f"the live EvoSync stopped:\n{live.log('web')[-3000:]}\n{live.log('worker')[-3000:]}")
        try:
            if requests.get(f"{live.url}/health", timeout=2).status_code == 200 and "ready" in live.log("worker"):
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the live EvoSync did not start in {START_SECONDS} s:\n{live.log('web')[-3000:]}")


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
