"""Issue #13's browser test 5: every merchant page, on a phone (390×844) and a desktop (1280×800), fits the window
and passes axe-core with no serious or critical violation."""

import re

import pytest

from evosync.tests.browser.layout import DESKTOP, PHONE, accessibility_violations, off_screen
from evosync.tests.browser.steps import synced_shop

# One xdist group: under `-n 2 --dist loadgroup` (CI) they share one live EvoSync and Chromium on one worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# The merchant's pages; {groups}, {products} and {album} are the synced shop's own (read from the links).
MERCHANT_PAGES = [
    "/start",
    "/profile",
    "/profile/edit",
    "/profile/change-password",
    "/profile/history",
    "/team",
    "/connections",
    "/catalog",
    "/catalog/stores",
    "{groups}",
    "{products}",
    "/sync",
    "/sync/settings",
    "/vk-catalog/albums",
    "{album}",
]


def page_paths(owner) -> list[str]:
    owner.open("/catalog/stores")
    links = {
        "{groups}": owner.page.get_by_role("link", name="Группы").first.get_attribute("href"),
        "{products}": owner.page.get_by_role("link", name="Товары").first.get_attribute("href"),
    }
    owner.open("/vk-catalog/albums")
    album = owner.page.locator("a[href*='/vk-catalog/albums/']").first
    links["{album}"] = album.get_attribute("href")
    return [links.get(path, path) for path in MERCHANT_PAGES]


def problems_on(owner, path: str, size_name: str) -> list[str]:
    answer = owner.page.goto(owner.live.url + path)
    owner.shot(f"{size_name}-{re.sub(r'[^a-z0-9]+', '-', path).strip('-')}")
    if answer is None or answer.status != 200:
        return [f"answers {answer.status if answer else 'nothing'}"]
    return off_screen(owner.page) + accessibility_violations(owner.page)


def test_5_every_merchant_page_fits_a_phone_and_a_desktop_and_passes_axe(owner):
    synced_shop(owner)
    paths = page_paths(owner)
    found = []
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        owner.page.set_viewport_size(size)
        for path in paths:
            found += [f"{size_name} {path}: {problem}" for problem in problems_on(owner, path, size_name)]
    assert not found, "\n".join(found)
