"""`manage.py run_emulators` serves a seeded Evotor emulator and stops by itself."""

import io
import re
import signal
import threading

import requests
from django.core.management import call_command

from emulators.evotor.demo import DEMO_TOKEN

V2 = {"Accept": "application/vnd.evotor.v2+json", "Authorization": f"Bearer {DEMO_TOKEN}"}


def test_run_emulators_serves_the_demo_merchant_until_the_duration_ends():
    output = io.StringIO()
    seen = {}

    def probe():  # while the command runs (it must own the main thread for its signal handlers)
        for _ in range(100):
            found = re.search(r"Evotor emulator: (http://127\.0\.0\.1:\d+)", output.getvalue())
            if found:
                seen["stores"] = len(requests.get(found.group(1) + "/stores", headers=V2, timeout=5).json()["items"])
                return
            threading.Event().wait(0.05)

    prober = threading.Thread(target=probe)
    prober.start()
    before = signal.getsignal(signal.SIGINT)
    call_command("run_emulators", "--evotor-port=0", "--vk-port=0", "--products=5", "--duration=1.5", stdout=output)
    prober.join(timeout=10)
    assert seen == {"stores": 2}
    assert "Emulators stopped." in output.getvalue()
    assert signal.getsignal(signal.SIGINT) is before
