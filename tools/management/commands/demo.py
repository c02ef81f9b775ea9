"""`make run`: migrate, start the emulators, the worker and beat beside the web server, connect the demo merchant."""

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from emulators.vk.demo import DEMO_GROUP_ID
from evosync.broker import forget_event_listeners
from evosync.settings.security import content_security_policy
from tools.demo import connect_demo_merchant, ensure_demo_accounts, vk_id_settings

EMULATOR_START_SECONDS = 60


class Command(BaseCommand):
    help = "Run EvoSync for a demo: emulated Evotor and VK, worker, beat and web server on one machine."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-workers", action="store_true", help="serve the web pages only")
        parser.add_argument("--no-emulators", action="store_true", help="use EVOTOR_API_URL / VK_API_URL as set")
        parser.add_argument("--flower-port", default="5555", help="Flower on 127.0.0.1 (with the workers)")

    def handle(self, *args, host, port, no_workers, no_emulators, flower_port, **options):
        if not settings.DEBUG:
            raise CommandError("The demo runs with DEBUG=true; use Docker Compose for production.")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("install_schedules", verbosity=0)
        accounts = ensure_demo_accounts()
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so `finally` stops the children
        env = {**os.environ, "DEBUG": "true"}
        children = []
        try:
            if not no_emulators:
                env.update(self.emulator_settings())
                children.append(self.start_emulators({**env, **register_notifies(host, port)}))
            flower = None
            if not no_workers:
                children += self.start_workers(env)
                flower = self.start_flower(env, flower_port, accounts)
                children += [flower] if flower else []
            if not no_emulators:
                self.stdout.write(connect_demo_merchant())
            self.print_banner(host, port, accounts, flower_port if flower else None)
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            stop(children)

    def emulator_settings(self) -> dict[str, str]:
        """Point this process and its children at the emulators' ports."""
        values = {"EVOTOR_API_URL": settings.EVOTOR_API_URL, "VK_API_URL": settings.VK_API_URL}
        values.update(vk_id_settings(settings.VK_API_URL))
        values["VK_WEB_URL"] = settings.VK_API_URL  # «открыть магазин сообщества» opens the emulator's shop page
        for name, value in values.items():
            setattr(settings, name, value)
        # "Connect with VK" posts to EvoSync, which redirects to the emulator's VK ID page: the CSP's form-action
        # must name the emulator's origin (set in this process only; the web server is this process).
        settings.CONTENT_SECURITY_POLICY = content_security_policy(
            jivosite=bool(settings.JIVOSITE_WIDGET_ID), vk_id_authorize_url=settings.VK_ID_AUTHORIZE_URL
        )
        return values

    def start_emulators(self, env) -> subprocess.Popen:
        evotor_port, vk_port = port_of(settings.EVOTOR_API_URL), port_of(settings.VK_API_URL)
        busy = [port for port in (evotor_port, vk_port) if listening(port)]
        if busy:
            raise CommandError(f"Port(s) {busy} already in use: is another demo running? Stop it first.")
        command = [sys.executable, "manage.py", "run_emulators", f"--evotor-port={evotor_port}", f"--vk-port={vk_port}"]
        child = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)  # noqa: S603
        deadline = time.monotonic() + EMULATOR_START_SECONDS
        while not (listening(evotor_port) and listening(vk_port)):
            if child.poll() is not None or time.monotonic() > deadline:
                stop([child])
                raise CommandError(f"The emulators did not start on ports {evotor_port} and {vk_port}.")
            time.sleep(0.2)
        return child

    def start_workers(self, env) -> list[subprocess.Popen]:
        python = sys.executable
        if settings.CELERY_BROKER_URL.startswith("filesystem://"):
            forget_event_listeners(settings.BASE_DIR / settings.CELERY_BROKER_FOLDER)  # a Flower of an earlier demo
        worker = ["worker", "--loglevel=INFO", "--concurrency=2", "--pool=threads", "--task-events"]  # for Flower
        commands = [
            [python, "-m", "celery", "-A", "evosync", *worker],
            [python, "-m", "celery", "-A", "evosync", "beat", "--loglevel=INFO"],
        ]
        return [subprocess.Popen(cmd, env=env, cwd=settings.BASE_DIR) for cmd in commands]  # noqa: S603

    def start_flower(self, env, port, accounts) -> subprocess.Popen | None:
        """Flower on 127.0.0.1, behind the staff demo login (basic auth); None when its port is taken."""
        if listening(int(port)):
            self.stdout.write(self.style.WARNING(f"Port {port} is in use: Flower is not started."))
            return None
        _, email, password = accounts[0]
        command = [sys.executable, "-m", "celery", "-A", "evosync", "flower", "--address=127.0.0.1", f"--port={port}"]
        flower_env = {**env, "FLOWER_BASIC_AUTH": f"{email}:{password}"}  # not on the command line, for `ps` to show
        return subprocess.Popen(command, env=flower_env, cwd=settings.BASE_DIR)  # noqa: S603

    def print_banner(self, host, port, accounts, flower_port=None):
        url = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"  # noqa: S104
        lines = ["", "EvoSync demo is starting.", f"  Open {url}/ and log in:"]
        lines += [f"    {role}: {email} / {password}" for role, email, password in accounts]
        lines += [
            "  The first sync's plan waits for you: log in as the merchant and confirm it on /sync.",
            f"  The VK community's shop, as a visitor sees it: {settings.VK_API_URL}/market-{DEMO_GROUP_ID}",
            f"  Sell at the register (the sale reaches VK): {settings.EVOTOR_API_URL}/sales, "
            "or `manage.py emulator_sell <product> --quantity 3`",
            f"  Staff admin: {url}/admin/",
            f"  Health: {url}/health · API docs: {url}/docs · metrics (from this machine): {url}/metrics",
            *(
                [f"  Flower (Celery's tasks and workers): http://127.0.0.1:{flower_port}/ as the staff login above"]
                if flower_port
                else []
            ),
            "  Stop with Ctrl-C.",
            "",
        ]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))


def register_notifies(host: str, port) -> dict[str, str]:
    """The emulated register notifies this EvoSync of its sales, with the token EvoSync issued the demo user
    (in the emulators' environment only, never on a command line)."""
    from emulators.evotor.demo import DEMO_USER_ID
    from webhooks.services import api_token_for

    address = "127.0.0.1" if host in ("0.0.0.0", "localhost") else host  # noqa: S104
    return {
        "EVOTOR_EMULATOR_NOTIFY_URL": f"http://{address}:{port}",
        "EVOTOR_EMULATOR_NOTIFY_TOKEN": api_token_for(DEMO_USER_ID),
    }


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
