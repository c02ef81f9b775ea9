"""/docs (Swagger UI) and /redoc (ReDoc) in a real browser: the readers load from EvoSync's own static files under
its Content-Security-Policy, and show the description's operations."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def is_redoc_logo(text: str) -> bool:
    """ReDoc's sidebar always asks its CDN for Redocly's logo; our CSP refuses it (logged), ReDoc then drops it."""
    return "cdn.redoc.ly/redoc/logo-mini.svg" in text and "Content Security Policy" in text


def watch_for_trouble(page) -> list[str]:
    """Console errors (a CSP refusal is one), failed requests and requests that reached beyond this machine."""
    trouble = []
    page.on(
        "console",
        lambda message: message.type == "error" and not is_redoc_logo(message.text) and trouble.append(message.text),
    )
    # A request the CSP blocked never left the browser; one that finished outside 127.0.0.1 did.
    page.on(
        "requestfailed",
        lambda request: (
            (request.failure or "") not in ("csp", "net::ERR_BLOCKED_BY_CSP")
            and trouble.append(f"failed {request.url}: {request.failure}")
        ),
    )
    page.on(
        "requestfinished", lambda request: "127.0.0.1" not in request.url and trouble.append(f"outside {request.url}")
    )
    return trouble


def test_swagger_ui_on_docs_shows_every_operation_from_our_own_files(owner):
    trouble = watch_for_trouble(owner.page)
    owner.open("/docs")
    expect(owner.page.locator(".opblock-summary-path", has_text="/user/create").first).to_be_visible()
    expect(owner.page.locator(".opblock-summary-path", has_text="/sync/progress").first).to_be_visible()
    expect(owner.page.locator(".opblock-summary-path", has_text="/health").first).to_be_visible()
    owner.shot("docs")
    assert owner.page.locator(".opblock").count() >= 10
    assert not trouble, trouble


def test_redoc_shows_the_operations_from_our_own_files(owner):
    trouble = watch_for_trouble(owner.page)
    owner.open("/redoc")
    expect(owner.page.get_by_text("EvoSync machine-facing HTTP API").first).to_be_visible()
    expect(owner.page.locator("[data-section-id^='/paths/']").first).to_be_attached()
    expect(owner.page.get_by_text("/sync/progress").first).to_be_attached()
    owner.shot("redoc")
    assert owner.page.locator("[data-section-id^='/paths/']").count() >= 10
    assert not trouble, trouble
