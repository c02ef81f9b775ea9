"""Connect with VK ID (authorization code + PKCE), token refresh before expiry and on error 5."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.utils import timezone

from accounts import team, team_roles
from accounts.tests.factories import UserFactory
from connections.models import VkConnection
from connections.vk import services as services_vk
from connections.vk.errors import VkConnectionBroken

pytestmark = pytest.mark.django_db


def start(client, community="evoshop"):
    response = client.post("/connections/vk/oauth/start", {"community": community})
    assert response.status_code == 302
    return response["Location"]


def approve(authorize_url: str) -> str:
    """What the merchant's browser does at VK ID: follow to the redirect back to EvoSync."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    return f"{back.path}?{back.query}"


def connect(client) -> VkConnection:
    client.get(approve(start(client)))
    return VkConnection.objects.get()


def test_start_sends_the_merchant_to_vk_id_with_a_pkce_challenge(client, merchant, vk_emulator):
    query = parse_qs(urlsplit(start(client)).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["client_id"] == ["evosync-test"] and query["response_type"] == ["code"]
    assert query["redirect_uri"][0].endswith("/connections/vk/oauth/callback")
    assert "code_verifier" not in str(query)


def test_connect_with_vk_id_stores_access_and_refresh_tokens(client, merchant, vk_emulator):
    connection = connect(client)
    assert connection.merchant == merchant and connection.source == "oauth"
    assert connection.group_id == 7001 and connection.vk_user_id == 501 and connection.status == "ok"
    assert connection.access_token.startswith("vk1.a.") and connection.refresh_token.startswith("vk1.r.")
    assert connection.device_id
    assert timezone.now() + timedelta(minutes=55) < connection.token_expires_at <= timezone.now() + timedelta(hours=1)
    assert vk_emulator.refresh_tokens[connection.refresh_token]["device_id"] == connection.device_id


def test_a_wrong_state_is_refused(client, merchant, vk_emulator):
    back = approve(start(client)).replace("state=", "state=x")
    response = client.get(back, follow=True)
    assert not VkConnection.objects.exists()
    assert "не подошёл" in response.content.decode()


def test_a_wrong_pkce_verifier_is_refused_by_vk_id(client, merchant, vk_emulator):
    back = approve(start(client))
    session = client.session
    session["vk_oauth"]["verifier"] = "not-the-verifier-" + "x" * 40
    session.save()
    response = client.get(back, follow=True)
    assert not VkConnection.objects.exists()
    assert "не выдал токен" in response.content.decode()


def test_the_tokens_go_to_the_shop_the_connection_started_on_not_one_switched_to_meanwhile(
    client, merchant, vk_emulator
):
    other = UserFactory()
    team.change_role(shop=other, member=merchant, role=team_roles.OWNER)
    back = approve(start(client))

    client.post("/shop", {"shop": other.pk})  # another tab: the header's switcher
    response = client.get(back, follow=True)

    assert not VkConnection.objects.exists()
    assert "не подошёл" in response.content.decode()


def test_denied_access_changes_nothing(client, merchant, vk_emulator):
    vk_emulator.oauth_deny = True
    response = client.get(approve(start(client)), follow=True)
    assert not VkConnection.objects.exists()
    assert "не выдал доступ" in response.content.decode()


def test_without_a_client_id_the_button_explains(client, merchant, settings):
    settings.VK_ID_CLIENT_ID = ""
    response = client.post("/connections/vk/oauth/start", {"community": "evoshop"}, follow=True)
    assert "не настроен" in response.content.decode()


def test_a_token_about_to_expire_is_refreshed_before_use(client, merchant, vk_emulator):
    connection = connect(client)
    old_access, old_refresh = connection.access_token, connection.refresh_token
    VkConnection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now() + timedelta(seconds=30))
    connection.refresh_from_db()
    vk_client = services_vk.vk_client_for(connection=connection)
    assert vk_client.call("users.get")[0]["id"] == 501
    connection.refresh_from_db()
    assert connection.access_token != old_access and connection.refresh_token != old_refresh
    assert connection.token_expires_at > timezone.now() + timedelta(minutes=55)
    assert old_refresh not in vk_emulator.refresh_tokens  # VK ID rotated it


def test_a_fresh_token_is_not_refreshed(client, merchant, vk_emulator):
    connection = connect(client)
    assert services_vk.ensure_fresh_vk_token(connection=connection).access_token == connection.access_token


def test_error_5_refreshes_once_and_retries(client, merchant, vk_emulator):
    connection = connect(client)
    vk_emulator.expire_token(connection.access_token)  # VK ended it early
    vk_emulator.reset_log()
    users = services_vk.run_with_vk(connection=connection, action=lambda c: c.call("users.get"))
    assert users[0]["id"] == 501
    connection.refresh_from_db()
    assert connection.status == "ok"
    assert [e["error_code"] for e in vk_emulator.request_log] == [5, None]


def test_a_refused_refresh_marks_the_connection_broken(client, merchant, vk_emulator):
    connection = connect(client)
    vk_emulator.refresh_tokens.clear()
    VkConnection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now())
    connection.refresh_from_db()
    with pytest.raises(VkConnectionBroken):
        services_vk.run_with_vk(connection=connection, action=lambda c: c.call("users.get"))
    connection.refresh_from_db()
    assert connection.status == "broken" and "VK ID" in connection.last_error


def test_periodic_refresh_renews_only_expiring_oauth_tokens(client, merchant, vk_emulator):
    from connections.tasks import refresh_vk_tokens

    connection = connect(client)
    VkConnection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now() + timedelta(minutes=5))
    assert refresh_vk_tokens.delay().get() == 1
    assert refresh_vk_tokens.delay().get() == 0
    connection.refresh_from_db()
    assert connection.token_expires_at > timezone.now() + timedelta(minutes=55)
