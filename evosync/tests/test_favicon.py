"""The icon: /favicon.ico answers (browsers ask for it on every site), and every page links icons that exist."""

import pytest
from django.contrib.staticfiles import finders

from accounts.tests.factories import UserFactory

ICO_HEADER = b"\x00\x00\x01\x00"  # reserved 0, type 1 (icon)


def test_favicon_ico_answers_200_with_an_icon_cached_a_day(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content.startswith(ICO_HEADER)
    assert "max-age=86400" in response["Cache-Control"]
    assert client.head("/favicon.ico").status_code == 200
    assert client.post("/favicon.ico").status_code == 405


@pytest.mark.parametrize("path", ["/", "/login", "/profile"])
def test_every_page_links_an_ico_and_an_svg_icon_from_static_files(client, db, path):
    if path == "/profile":
        client.force_login(UserFactory())
    page = client.get(path).content.decode()
    for name in ("img/favicon.ico", "img/favicon.svg"):
        assert f'rel="icon" href="/static/{name}"' in page
        assert finders.find(name), name
