"""pytest fixture `vk_emulator`: a VK emulator served on loopback for one test, with a test user and community."""

import pytest

from emulators.server import serve_in_thread
from emulators.vk.app import VkEmulator

TEST_TOKEN = "vk-test-user-token"
TEST_USER_ID = 501
TEST_GROUP_ID = 7001
TEST_COMMUNITY_TOKEN = "vk-test-community-token"


@pytest.fixture
def vk_emulator(settings):
    """A VK emulator on loopback with one user (token `vk-test-user-token`, id 501) who administers
    community 7001 (screen name `evoshop`, shop enabled), whose own token is `vk-test-community-token`.
    VK_API_URL and the VK ID endpoints point at it.

    The emulator's rate limit is off and clients get a high limit and a short retry backoff, so tests
    run fast; set `emu.rate_limit_per_second` (and pass a limiter) to test the limit itself."""
    emu = VkEmulator(rate_limit_per_second=None, oauth_client_id="evosync-test")
    emu.add_user(token=TEST_TOKEN, user_id=TEST_USER_ID, name="Иван Петров")
    emu.add_community(group_id=TEST_GROUP_ID, name="Чайная лавка", screen_name="evoshop", admins=[TEST_USER_ID])
    emu.add_community_token(TEST_COMMUNITY_TOKEN, TEST_GROUP_ID)
    with serve_in_thread(emu.wsgi_app) as base_url:
        emu.base_url = base_url
        settings.VK_API_URL = base_url
        settings.VK_ID_AUTHORIZE_URL = f"{base_url}/authorize"
        settings.VK_ID_TOKEN_URL = f"{base_url}/oauth2/auth"
        settings.VK_ID_CLIENT_ID = "evosync-test"
        settings.VK_RATE_LIMIT_PER_SECOND = 1000
        settings.VK_COMMUNITY_RATE_LIMIT_PER_SECOND = 1000
        settings.VK_RETRY_BACKOFF_SECONDS = 0.01
        yield emu
