"""pytest fixture `evotor_emulator`: an Evotor emulator served on loopback for one test."""

import pytest

from emulators.evotor.app import EvotorEmulator
from emulators.server import serve_in_thread


@pytest.fixture
def evotor_emulator(settings):
    """An empty Evotor emulator served on 127.0.0.1; `settings.EVOTOR_API_URL` points at it.

    Retry waits are shortened so fault tests stay quick.
    """
    emulator = EvotorEmulator()
    with serve_in_thread(emulator.wsgi_app) as base_url:
        emulator.base_url = base_url
        settings.EVOTOR_API_URL = base_url
        settings.EVOTOR_RETRY_BACKOFF_SECONDS = 0.01
        yield emulator
