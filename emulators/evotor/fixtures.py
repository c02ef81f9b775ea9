"""pytest fixture `evotor_emulator`: an Evotor emulator served on loopback for one test."""

import pytest

from emulators.evotor.app import EvotorEmulator
from emulators.server import serve_in_thread


@pytest.fixture
def evotor_emulator(settings):
    """An empty Evotor emulator served on 127.0.0.1; `settings.EVOTOR_API_URL` points at it.

    Retry waits are shortened and the pace is high so fault tests stay quick; the emulator's own per-token limit
    is off until a test sets it (`limit_per_token`).
    """
    emulator = EvotorEmulator()
    with serve_in_thread(emulator.wsgi_app) as base_url:
        emulator.base_url = base_url
        settings.EVOTOR_API_URL = base_url
        settings.EVOTOR_RETRY_BACKOFF_SECONDS = 0.01
        settings.EVOTOR_RATE_LIMIT_PER_SECOND = 1000  # paced, never in the way (a test of the pace sets its own)
        yield emulator
