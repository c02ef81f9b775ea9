import pytest


@pytest.fixture(autouse=True)
def no_allauth_rate_limits(settings):
    """allauth's limits live in the shared cache and key on 127.0.0.1; tests that need one turn it back on."""
    settings.ACCOUNT_RATE_LIMITS = False
