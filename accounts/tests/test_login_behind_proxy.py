"""Login throttling behind the TLS proxy the README asks for: each client is its own address, never the proxy's.

With a trusted proxy (TRUSTED_PROXY_IPS / TRUSTED_PROXY_COUNT) axes and allauth's rate limits key on the
client the proxy names in X-Forwarded-For, so one attacker's failures lock out that attacker only; what the
client wrote into X-Forwarded-For itself is ignored. With no proxy trusted (the default) X-Forwarded-For is
not read at all, and a forged one dodges nothing.
"""

import random

import pytest
from axes.models import AccessAttempt

from accounts.tests.factories import UserFactory
from accounts.tests.helpers import log_in
from evosync.tests.test_settings import load_settings

pytestmark = pytest.mark.django_db

PROXY = "10.20.0.2"  # the TLS proxy in front of `web`, as `web` sees it
TRUSTED = [
    pytest.param({"TRUSTED_PROXY_IPS": [PROXY], "TRUSTED_PROXY_COUNT": 1}, id="proxy-address"),
    pytest.param({"TRUSTED_PROXY_IPS": ["10.20.0.0/16"], "TRUSTED_PROXY_COUNT": 1}, id="proxy-network"),
    pytest.param({"TRUSTED_PROXY_IPS": [], "TRUSTED_PROXY_COUNT": 1}, id="proxy-count"),
]


def fresh_address() -> str:
    """A client address no other test (or earlier run) used: allauth's limits live in the shared cache."""
    return f"198.51.{random.randint(0, 255)}.{random.randint(1, 254)}"


def through_proxy(client_address: str, forged: str = "") -> dict:
    """What `web` receives from the proxy: the proxy's address, and the client's appended to X-Forwarded-For."""
    chain = f"{forged}, {client_address}" if forged else client_address
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": chain}


@pytest.fixture
def trust(settings):
    def apply(options):
        for name, value in options.items():
            setattr(settings, name, value)

    return apply


@pytest.mark.parametrize("proxy", TRUSTED)
def test_behind_the_proxy_an_attackers_failures_do_not_lock_the_merchant_out(client, settings, trust, proxy):
    trust(proxy)
    UserFactory(email="victim@example.com")
    attacker, merchant = fresh_address(), fresh_address()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "victim@example.com", "wrong-password", **through_proxy(attacker))

    assert log_in(client, "victim@example.com", **through_proxy(attacker)).status_code == 429
    assert log_in(client, "victim@example.com", **through_proxy(merchant))["Location"] == "/home"
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [attacker]


@pytest.mark.parametrize("proxy", TRUSTED)
def test_behind_the_proxy_a_forged_forwarded_for_does_not_dodge_the_lock(client, settings, trust, proxy):
    trust(proxy)
    UserFactory(email="victim@example.com")
    attacker, merchant = fresh_address(), fresh_address()
    for _ in range(settings.AXES_FAILURE_LIMIT):  # a new made-up address in front of the real one every time
        log_in(client, "victim@example.com", "wrong-password", **through_proxy(attacker, forged=fresh_address()))

    forged_again = through_proxy(attacker, forged=f"{merchant}, {fresh_address()}")
    assert log_in(client, "victim@example.com", **forged_again).status_code == 429
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [attacker]
    assert log_in(client, "victim@example.com", **through_proxy(merchant))["Location"] == "/home"


def test_a_client_reaching_web_past_the_listed_proxy_is_keyed_on_its_own_address(client, settings):
    settings.TRUSTED_PROXY_IPS, settings.TRUSTED_PROXY_COUNT = [PROXY], 1
    UserFactory(email="victim@example.com")
    attacker = fresh_address()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(
            client, "victim@example.com", "wrong-password", REMOTE_ADDR=attacker, HTTP_X_FORWARDED_FOR=fresh_address()
        )

    assert log_in(client, "victim@example.com", REMOTE_ADDR=attacker).status_code == 429
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [attacker]


def test_with_no_proxy_trusted_a_forged_forwarded_for_does_not_dodge_the_lock(client, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0 and settings.TRUSTED_PROXY_IPS == []  # the default
    UserFactory(email="victim@example.com")
    attacker = fresh_address()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(
            client, "victim@example.com", "wrong-password", REMOTE_ADDR=attacker, HTTP_X_FORWARDED_FOR=fresh_address()
        )

    assert (
        log_in(client, "victim@example.com", REMOTE_ADDR=attacker, HTTP_X_FORWARDED_FOR=fresh_address()).status_code
        == 429
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [attacker]


@pytest.mark.parametrize("proxy", TRUSTED)
def test_behind_the_proxy_allauths_rate_limit_counts_each_client_apart(client, settings, trust, proxy):
    trust(proxy)
    settings.ACCOUNT_RATE_LIMITS = {"login": "3/m/ip", "login_failed": None}
    UserFactory(email="shop@example.com")
    busy, merchant = fresh_address(), fresh_address()
    for _ in range(3):
        assert log_in(client, "nobody@example.com", "wrong-password", **through_proxy(busy)).status_code == 200

    assert log_in(client, "nobody@example.com", "wrong-password", **through_proxy(busy)).status_code == 429
    assert log_in(client, "shop@example.com", **through_proxy(merchant))["Location"] == "/home"


def test_with_no_proxy_trusted_allauths_rate_limit_ignores_a_forged_forwarded_for(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login": "3/m/ip", "login_failed": None}
    busy = fresh_address()
    for _ in range(3):
        log_in(client, "nobody@example.com", "wrong-password", REMOTE_ADDR=busy, HTTP_X_FORWARDED_FOR=fresh_address())

    forged = log_in(client, "nobody@example.com", "x", REMOTE_ADDR=busy, HTTP_X_FORWARDED_FOR=fresh_address())
    assert forged.status_code == 429


@pytest.mark.parametrize(
    "env",
    [
        {"TRUSTED_PROXY_IPS": "10.20.0.0/33"},
        {"TRUSTED_PROXY_IPS": "proxy.internal"},  # a host name is no address python-ipware can match
        {"TRUSTED_PROXY_IPS": "10.20.0.2", "TRUSTED_PROXY_COUNT": "2"},
        {"TRUSTED_PROXY_COUNT": "-1"},
    ],
)
def test_a_mistyped_proxy_setting_stops_the_start_instead_of_trusting_anyone(env):
    result = load_settings(DEBUG="true", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "TRUSTED_PROXY" in result.stderr
