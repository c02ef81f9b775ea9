"""A team member's pages offer only what their role may do (issue 16, "Shared access").

As a viewer, a manager and a co-owner of one shop, every shop page (SHOP_URLS of test_team_roles, with the shop's
own ids) is opened, and each form's action, link's href and button's data-url on it is resolved to its URL name: a
form that posts (or a button that posts by script) must be one the role may POST to, a link one it may GET. The
owner's pages hold the manager's and the owner's actions, so the check has something to find. Each is run on
a new shop (nothing connected yet: the connecting forms) and on a working one (connected to Evotor and to the
emulated VK with a community token, a plan waiting for confirmation, a product VK refused, variants refused).
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve

from accounts.tests.factories import member_of
from connections.tests.factories import EvotorConnectionFactory, VkConnectionFactory
from emulators.vk.fixtures import TEST_COMMUNITY_TOKEN
from evosync.tests.test_team_roles import (
    MANAGER,
    OWNER,
    RANK,
    SHOP_URLS,
    VIEWER,
    browser_routes,
    shop_with_one_of_each,
)
from vksync.models import ProductLink, SyncRun
from vksync.tests.factories import CommunityVariantsFactory, SyncRunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_shop():
    return shop_with_one_of_each()


@pytest.fixture
def working_shop(new_shop, vk_emulator):
    """The same shop at work: both connections, a failed product, refused variants, a plan to confirm."""
    owner = new_shop["owner"]
    EvotorConnectionFactory(merchant=owner)
    VkConnectionFactory(merchant=owner, community_token=TEST_COMMUNITY_TOKEN, callback_secret="callback-secret")
    ProductLink.objects.filter(pk=new_shop["link_id"]).update(last_error="VK отклонил фото")
    CommunityVariantsFactory(merchant=owner)
    SyncRunFactory(merchant=owner, status=SyncRun.Status.NEEDS_CONFIRMATION, plan_summary={"create": 1})
    return new_shop


@pytest.fixture(params=["new", "working"])
def shop(request):
    return request.getfixturevalue(f"{request.param}_shop")


class Targets(HTMLParser):
    """(method, path) of every form, link and script-driven button of a page."""

    def __init__(self, page: str):
        super().__init__()
        self.page = page
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":  # without an action it is sent to the page itself
            self.found.append(((attrs.get("method") or "get").lower(), attrs.get("action") or self.page))
        elif tag == "a" and attrs.get("href"):
            self.found.append(("get", attrs["href"]))
        elif attrs.get("data-url"):  # the page's script posts to it
            self.found.append(("post", attrs["data-url"]))


def targets(page: str, html: str) -> set[tuple[str, str]]:
    """(method, URL name) of the page's own URLs that belong to a shop."""
    parser = Targets(page)
    parser.feed(html)
    names = set()
    for method, url in parser.found:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        try:
            name = resolve(parts.path).url_name
        except Resolver404:
            continue
        if name in SHOP_URLS:
            names.add((method, name))
    return names


def offered(person, role, shop) -> dict[str, set[tuple[str, str]]]:
    """The targets of every shop page `person` (of `role`) may open, by page URL."""
    client = Client()
    client.force_login(person)
    pages = {}
    for route in browser_routes():
        if route.name not in SHOP_URLS or RANK[least("get", route.name)] > RANK[role]:
            continue
        url = route.path({name: shop[name] for name in route.keywords})
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages[url] = targets(url, response.content.decode())
    return pages


def least(method: str, name: str) -> str:
    return SHOP_URLS[name][0 if method == "get" else 1]


@pytest.mark.parametrize("role", [VIEWER, MANAGER])
def test_a_member_is_offered_no_form_or_link_their_role_is_refused(shop, role):
    person = member_of(shop["owner"], role=role, email=f"{role}@example.com")

    pages = offered(person, role, shop)

    refused = sorted(
        f"{page}: {method.upper()} {name}"
        for page, found in pages.items()
        for method, name in found
        if RANK[least(method, name)] > RANK[role]
    )
    assert len(pages) > 10, "the member opened the shop's pages"
    assert not refused, f"as {role}, pages offer what answers 403:\n" + "\n".join(refused)


def test_the_owner_is_offered_the_managers_and_the_owners_actions(shop):
    co_owner = member_of(shop["owner"], role=OWNER, email="co-owner@example.com")

    found = {target for page in offered(co_owner, OWNER, shop).values() for target in page}

    needs = {RANK[least(method, name)] for method, name in found}
    assert {RANK[MANAGER], RANK[OWNER]} <= needs, sorted(found)


class Fields(HTMLParser):
    """The form fields of a page: (name, disabled)."""

    def __init__(self):
        super().__init__()
        self.fields = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.fields.append((attrs.get("name"), "disabled" in attrs))


@pytest.mark.parametrize("role", [VIEWER, MANAGER])
def test_a_member_below_owner_reads_the_sync_settings_with_every_field_disabled(new_shop, role):
    client = Client()
    client.force_login(member_of(new_shop["owner"], role=role, email=f"{role}@example.com"))
    parser = Fields()

    parser.feed(client.get("/sync/settings").content.decode())

    assert len(parser.fields) > 3
    assert [name for name, disabled in parser.fields if not disabled] == []


@pytest.mark.parametrize(
    ("role", "told"), [(VIEWER, "сообщество подключает владелец"), (OWNER, "подключите сообщество")]
)
def test_a_shop_without_vk_tells_each_role_what_it_can_do_about_it(new_shop, role, told):
    client = Client()
    client.force_login(member_of(new_shop["owner"], role=role, email=f"{role}@example.com"))

    page = client.get("/sync").content.decode()

    assert "VK не подключён" in page
    assert told in page
    assert ("подключите сообщество" in page) == (role == OWNER)
