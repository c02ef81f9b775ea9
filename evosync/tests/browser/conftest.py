"""Fixtures of the browser tests: Debian's Chromium (EVOSYNC_CHROMIUM, else /usr/bin/chromium), the live EvoSync
(`harness`), and a page per test whose steps are photographed into test-artifacts/<test>/.

Without Chromium the tests are skipped with `chromium.MISSING` (summed up in one line at the end of the run by
evosync/tests/figures.py); with BROWSER_TESTS_REQUIRED=1 (CI) they fail instead.
"""

import contextlib
import os
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from evosync.tests.browser import harness
from evosync.tests.browser.chromium import MISSING, chromium_path
from evosync.tests.browser.layout import DESKTOP
from evosync.tests.browser.steps import Merchant

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


@pytest.fixture(scope="session")
def chromium_executable():
    path = chromium_path()
    if path is None:
        if os.environ.get("BROWSER_TESTS_REQUIRED") == "1":
            pytest.fail(f"{MISSING} (BROWSER_TESTS_REQUIRED=1)")
        pytest.skip(MISSING)
    return path


@pytest.fixture(scope="package")  # closed when the browser tests are done, not at the end of the whole run
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_executable, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def live(chromium_executable, tmp_path_factory):
    """The live EvoSync with its emulators and worker, one for all the browser tests (each makes its own merchant)."""
    folder = tmp_path_factory.mktemp("live-evosync")
    try:
        with contextlib.ExitStack() as stack:
            yield harness.start(folder, stack)
    finally:  # the server's and the worker's logs beside the screenshots, for a failure in CI
        (ARTIFACTS / "live-evosync").mkdir(parents=True, exist_ok=True)
        for log in folder.glob("*.log"):
            shutil.copy(log, ARTIFACTS / "live-evosync" / log.name)


@pytest.fixture
def owner(browser, live, request):
    """A browser window (desktop size) and the outside world of a new merchant; screenshots in test-artifacts/."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    context = browser.new_context(viewport=DESKTOP, locale="ru-RU")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield Merchant(page=page, live=live, artifacts=folder, shop=live.new_shop())
    for window in browser.contexts:  # the merchant's, and a staff member's if the test opened one
        window.close()
    live.assert_running()
