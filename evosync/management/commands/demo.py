"""`make run`: migrate, start the worker and beat (and the emulators) beside the web server."""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from evosync.demo import ensure_demo_accounts


class Command(BaseCommand):
    help = "Run EvoSync for a demo: migrations, worker, beat and web server on one machine."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-workers", action="store_true", help="serve the web pages only")

    def handle(self, *args, host, port, no_workers, **options):
        if not settings.DEBUG:
            raise CommandError("The demo runs with DEBUG=true; use Docker Compose for production.")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("install_schedules", verbosity=0)
        accounts = ensure_demo_accounts()
        children = [] if no_workers else self.start_children()
        self.print_banner(host, port, accounts)
        try:
            call_command("runserver", f"{host}:{port}", use_reloader=False)
        finally:
            for child in children:
                child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

    def start_children(self):
        python = sys.executable
        env = {**os.environ, "DEBUG": "true"}
        commands = [
            [python, "-m", "celery", "-A", "evosync", "worker", "--loglevel=INFO", "--concurrency=2", "--pool=threads"],
            [python, "-m", "celery", "-A", "evosync", "beat", "--loglevel=INFO"],
        ]
        return [subprocess.Popen(cmd, env=env, cwd=settings.BASE_DIR) for cmd in commands]  # noqa: S603

    def print_banner(self, host, port, accounts):
        url = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{port}"  # noqa: S104
        lines = ["", "EvoSync demo is starting.", f"  Open {url}/ and log in:"]
        lines += [f"    {role}: {email} / {password}" for role, email, password in accounts]
        lines += [f"  Staff admin: {url}/admin/", f"  Health: {url}/health", "  Stop with Ctrl-C.", ""]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
