"""Content-Security-Policy (django-csp): scripts and styles from EvoSync only, and no page relies on an inline
script, style or handler the policy would block (issue 12, finding 10)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.template.loader import render_to_string

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductGroupFactory, StoreFactory
from connections.tests.factories import EvotorConnectionFactory, VkConnectionFactory
from evosync.settings.security import content_security_policy
from vksync.models import SyncRun

ROOT = Path(__file__).resolve().parents[2]
MERCHANT_PAGES = [
    "/profile",
    "/profile/edit",
    "/profile/change-password",
    "/connections",
    "/catalog/stores",
    "/catalog/stores/{store}/groups",
    "/catalog/stores/{store}/products",
    "/vk-catalog/albums",
    "/sync",
    "/sync/settings",
]
VISITOR_PAGES = ["/", "/login", "/register", "/forgot-password", "/resend-confirm"]


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


class InlineFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' blocks: inline scripts, <style>, style= and on…= attributes."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src") and names.get("type") != "application/json":
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f'<{tag} {name}="{(value or "")[:40]}">')
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")


def inline_in(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


@pytest.fixture
def merchant(db, client):
    user = UserFactory()
    store = StoreFactory(merchant=user)
    top = ProductGroupFactory(store=store)
    ProductGroupFactory(store=store, parent_evotor_id=top.evotor_id)
    EvotorConnectionFactory(merchant=user)
    VkConnectionFactory(merchant=user)
    SyncRun.objects.create(merchant=user, status=SyncRun.Status.RUNNING, progress={"items": {"done": 1, "total": 2}})
    client.force_login(user)
    return {"store": store.pk}


def test_the_policy_allows_scripts_and_styles_from_evosync_only(client, db):
    header = client.get("/login")["Content-Security-Policy"]
    policy = directives(header)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header


@pytest.mark.parametrize("path", MERCHANT_PAGES)
def test_merchant_pages_carry_the_policy_and_nothing_inline(client, merchant, path):
    response = client.get(path.format(**merchant))
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert inline_in(response.content.decode()) == []


@pytest.mark.parametrize("path", VISITOR_PAGES)
def test_visitor_pages_carry_the_policy_and_nothing_inline(client, db, path):
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Security-Policy"]
    assert inline_in(response.content.decode()) == []


def test_the_admin_has_nothing_inline_either(client, db):
    from accounts import roles, services
    from accounts.tests.factories import UserFactory

    staff = UserFactory(staff=True)
    services.set_role(user=staff, role=roles.SYSTEM)
    client.force_login(staff)
    admin_pages = ["/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{staff.pk}/change/"]
    for path in [*admin_pages, "/admin/dashboard", "/admin/audit/auditevent/"]:
        response = client.get(path)
        assert response.status_code == 200 and response["Content-Security-Policy"]
        assert [found for found in inline_in(response.content.decode()) if "<script" in found] == [], path


def template_files():
    folders = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]
    return sorted(path for folder in folders for path in folder.rglob("*.html"))


@pytest.mark.parametrize("path", template_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_template_has_an_inline_script_style_or_handler(path):
    text = path.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text), "inline <script>"
    assert not re.search(r"<style\b", text), "<style> block: move it to static/css/evosync.css"
    assert not re.search(r"\sstyle\s*=", text), 'style="…": use a class'
    assert not re.search(r"\son[a-z]+\s*=", text), "on…= handler: use static/js/evosync.js"


def test_the_scripts_live_in_a_static_file_every_page_loads(client, db):
    assert (ROOT / "static" / "js" / "evosync.js").exists()
    assert '/static/js/evosync.js"' in client.get("/login").content.decode()


def test_jivosite_is_allowed_only_when_its_widget_is_on(client, db, settings):
    off = content_security_policy(jivosite=False, vk_id_authorize_url="https://id.vk.com/authorize")
    assert not any("jivosite" in " ".join(sources) for sources in off["DIRECTIVES"].values())
    settings.JIVOSITE_WIDGET_ID = "AbC123"
    settings.CONTENT_SECURITY_POLICY = content_security_policy(
        jivosite=True, vk_id_authorize_url="https://id.vk.com/authorize"
    )
    response = client.get("/login")
    assert 'src="https://code.jivosite.com/widget/AbC123"' in response.content.decode()
    policy = directives(response["Content-Security-Policy"])
    for name in ("script-src", "connect-src", "frame-src", "img-src", "style-src"):
        assert "https://*.jivosite.com" in policy[name], name
    assert "wss://*.jivosite.com" in policy["connect-src"]


def test_connect_with_vk_may_leave_for_vk_id_and_nowhere_else():
    policy = content_security_policy(jivosite=False, vk_id_authorize_url="https://id.vk.com/authorize?x=1")
    assert policy["DIRECTIVES"]["form-action"] == ["'self'", "https://id.vk.com"]
    configured = django_settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"]
    assert configured[1:] == [django_settings.VK_ID_AUTHORIZE_URL.rsplit("/", 1)[0]]


def test_the_groups_tree_indents_by_class(merchant, client):
    html = client.get(f"/catalog/stores/{merchant['store']}/groups").content.decode()
    assert 'class="depth-1"' in html and 'class="depth-2"' in html


def test_a_run_in_progress_gives_the_script_its_address_in_data_attributes(client, merchant):
    html = client.get("/sync").content.decode()
    assert 'data-progress-url="/sync/progress"' in html and 'data-active="true"' in html


def test_a_template_rendered_alone_has_nothing_inline():
    assert inline_in(render_to_string("base.html", {"JIVOSITE_WIDGET_ID": "x"})) == []
