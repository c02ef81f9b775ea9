"""/ for a visitor: what EvoSync does, in Russian, with sign-up and log-in; a merchant goes to their pages."""

import pytest

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_visitor_reads_what_evosync_does_and_finds_sign_up_and_log_in(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="ru">' in page and "<main" in page
    assert "<title>Каталог Эвотора в магазине VK · EvoSync</title>" in page
    assert "Эвотор" in page and "VK" in page and "Как это работает" in page
    assert 'class="button" href="/register"' in page and 'href="/login"' in page


def test_a_logged_in_merchant_goes_to_their_pages_not_the_landing(client):
    client.force_login(UserFactory())
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/home"


def test_after_logging_out_the_landing_is_shown_again(client):
    client.force_login(UserFactory())
    client.post("/logout")
    assert client.get("/").status_code == 200
