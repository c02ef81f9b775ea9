"""Fixtures shared by every app's tests. Emulator fixtures live with the emulators."""

import pytest
from django.conf import settings

from accounts.tests.factories import UserFactory

pytest_plugins = ["emulators.evotor.fixtures", "emulators.vk.fixtures", "evosync.tests.figures"]


@pytest.fixture(autouse=True)
def no_slice_history():
    """Each test starts with a fresh process's slice history: no margin, no recent steps (`core.slices`)."""
    from core import slices

    slices.forget()
    yield
    slices.forget()


@pytest.fixture
def redis_client():
    """A Redis client on REDIS_URL; the test is skipped when no Redis is configured."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


@pytest.fixture
def merchant(db, client):
    """An active merchant (password DEFAULT_PASSWORD), with the test `client` logged in as them."""
    user = UserFactory()
    client.force_login(user)
    return user
