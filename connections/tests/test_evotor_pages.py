"""The Evotor card and its forms: save by hand, test, disconnect; the token is never shown in full."""

import pytest

from accounts.tests.factories import UserFactory
from catalog.services import refresh_all_catalogs
from connections.models import EvotorConnection
from connections.tests.factories import EvotorConnectionFactory

pytestmark = pytest.mark.django_db


def test_card_says_not_connected_and_offers_the_form(client, merchant):
    page = client.get("/connections").content.decode()
    assert "Не подключено" in page
    assert 'name="token"' in page


def test_card_shows_state_dates_error_and_only_a_masked_token(client, merchant):
    EvotorConnectionFactory(
        merchant=merchant, token="evotor-secret-token-9876", status="broken", last_error="Эвотор не принял токен (401)"
    )
    page = client.get("/connections").content.decode()
    assert "evotor-secret-token-9876" not in page
    assert "••••9876" in page
    assert "Эвотор не принял токен (401)" in page
    assert "Ошибка" in page
    assert "Проверить токен" in page and "Отключить Эвотор" in page


def test_saving_a_token_by_hand_stores_it_and_queues_a_refresh(
    client, merchant, evotor_emulator, django_capture_on_commit_callbacks
):
    evotor_emulator.add_merchant(token="manual-token-1", stores=1, groups=1, products=5)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/connections/evotor", {"token": "  manual-token-1 "})
    assert response.status_code == 302
    assert len(callbacks) == 1
    connection = EvotorConnection.objects.get(merchant=merchant)
    assert connection.token == "manual-token-1"
    assert connection.source == "manual"
    assert connection.status == "ok"
    assert "Токен Эвотора работает и сохранён (магазинов: 1)" in client.get("/connections").content.decode()


def test_replacing_a_broken_token_clears_the_error(
    client, merchant, evotor_emulator, django_capture_on_commit_callbacks
):
    evotor_emulator.add_merchant(token="new-token", stores=1, groups=1, products=1)
    EvotorConnectionFactory(merchant=merchant, token="old-token", status="broken", last_error="401")
    with django_capture_on_commit_callbacks():
        client.post("/connections/evotor", {"token": "new-token"})
    connection = EvotorConnection.objects.get(merchant=merchant)
    assert (connection.token, connection.status, connection.last_error) == ("new-token", "ok", "")


def test_a_token_evotor_refuses_is_reported_at_once_and_not_saved(
    client, merchant, evotor_emulator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/connections/evotor", {"token": "wrong-token"}, follow=True)
    page = response.content.decode()
    assert "Эвотор не принял токен (401)" in page and "Токен не сохранён" in page
    assert "работает и сохранён" not in page and "Каталог загружается" not in page
    assert not EvotorConnection.objects.filter(merchant=merchant).exists()
    assert callbacks == []  # no catalog refresh is queued for a token that does not work


def test_a_refused_token_leaves_the_working_one_in_place(client, merchant, evotor_emulator):
    evotor_emulator.add_merchant(token="good-token", stores=1, groups=1, products=1)
    EvotorConnectionFactory(merchant=merchant, token="good-token", status="ok")
    client.post("/connections/evotor", {"token": "wrong-token"})
    connection = EvotorConnection.objects.get(merchant=merchant)
    assert (connection.token, connection.status) == ("good-token", "ok")


def test_a_token_that_cannot_be_checked_now_is_not_saved_and_the_page_says_why(
    client, merchant, evotor_emulator, settings
):
    evotor_emulator.add_merchant(token="good-token", stores=1, groups=1, products=1)
    settings.EVOTOR_MAX_RETRIES = 0
    evotor_emulator.fail_next(503, times=5)
    response = client.post("/connections/evotor", {"token": "good-token"}, follow=True)
    page = response.content.decode()
    assert "Эвотор сейчас не отвечает" in page and "Токен не сохранён" in page
    assert not EvotorConnection.objects.filter(merchant=merchant).exists()


def test_saving_from_the_guided_start_comes_back_to_it(client, merchant, evotor_emulator):
    evotor_emulator.add_merchant(token="good-token", stores=2, groups=1, products=1)
    response = client.post("/connections/evotor", {"token": "good-token", "next": "/start"})
    assert response["Location"] == "/start"
    response = client.post("/connections/evotor", {"token": "wrong", "next": "https://evil.example/start"})
    assert response["Location"] == "/connections#evotor"


@pytest.mark.parametrize("token", ["", "with space"])
def test_bad_token_input_is_refused_with_a_message(client, merchant, token):
    response = client.post("/connections/evotor", {"token": token}, follow=True)
    assert not EvotorConnection.objects.filter(merchant=merchant).exists()
    assert list(response.context["messages"])


def test_disconnect_forgets_the_token_and_keeps_the_evotor_user_link(client, merchant, evotor_emulator):
    evotor_emulator.add_merchant(token="tok-1", stores=1, groups=1, products=1)
    EvotorConnectionFactory(merchant=merchant, evotor_user_id="01-5", token="tok-1")
    other = EvotorConnectionFactory(token="tok-1")
    response = client.post("/connections/evotor/disconnect")
    assert response.status_code == 302
    connection = EvotorConnection.objects.get(merchant=merchant)
    assert (connection.token, connection.evotor_user_id) == ("", "01-5")
    assert EvotorConnection.objects.get(pk=other.pk).token == "tok-1"
    assert [r.merchant_id for r in refresh_all_catalogs()] == [other.merchant_id]  # syncing stopped
    assert "Не подключено" in client.get("/connections").content.decode()


def test_disconnect_of_a_hand_made_connection_deletes_it(client, merchant):
    EvotorConnectionFactory(merchant=merchant, evotor_user_id=None, source="manual")
    client.post("/connections/evotor/disconnect")
    assert not EvotorConnection.objects.filter(merchant=merchant).exists()


def test_test_reports_how_many_stores_the_token_sees(client, merchant, evotor_emulator):
    evotor_emulator.add_merchant(token="tok-test", stores=3, groups=1, products=1)
    EvotorConnectionFactory(merchant=merchant, token="tok-test")
    body = client.post("/connections/evotor/test").json()
    assert body["ok"] is True and body["stores"] == 3
    assert EvotorConnection.objects.get(merchant=merchant).status == "ok"


def test_test_with_a_refused_token_marks_it_broken(client, merchant, evotor_emulator):
    EvotorConnectionFactory(merchant=merchant, token="not-known")
    body = client.post("/connections/evotor/test").json()
    assert body["ok"] is False and "401" in body["error"]
    connection = EvotorConnection.objects.get(merchant=merchant)
    assert connection.status == "broken" and connection.last_error


def test_test_without_a_connection_says_so(client, merchant):
    response = client.post("/connections/evotor/test")
    assert response.status_code == 400
    assert response.json()["ok"] is False


def test_pages_need_login_and_post(client):
    assert client.post("/connections/evotor/test").status_code == 302
    client.force_login(UserFactory())
    assert client.get("/connections/evotor/disconnect").status_code == 405
