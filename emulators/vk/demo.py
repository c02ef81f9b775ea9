"""The demo VK user and community the VK emulator serves under `manage.py run_emulators` (and `make run`)."""

DEMO_VK_TOKEN = "demo-vk-user-token"
DEMO_VK_USER_ID = 1
DEMO_GROUP_ID = 1
DEMO_SCREEN_NAME = "evosync_demo"
DEMO_CLIENT_ID = "evosync-demo"


def seed_demo(emulator) -> None:
    """One user who administers one community with its shop on; VK ID answers for the demo client."""
    emulator.oauth_client_id = DEMO_CLIENT_ID
    emulator.add_user(token=DEMO_VK_TOKEN, user_id=DEMO_VK_USER_ID, name="Демо Продавец")
    emulator.add_community(
        group_id=DEMO_GROUP_ID, name="Демо-магазин", screen_name=DEMO_SCREEN_NAME, admins=[DEMO_VK_USER_ID]
    )


def vk_id_settings(base_url: str) -> dict[str, str]:
    """Settings that send "Connect with VK" to the emulator's VK ID pages."""
    return {
        "VK_ID_CLIENT_ID": DEMO_CLIENT_ID,
        "VK_ID_AUTHORIZE_URL": f"{base_url}/authorize",
        "VK_ID_TOKEN_URL": f"{base_url}/oauth2/auth",
    }


def connect_demo_merchant(merchant):
    """Give the demo merchant a VK connection to the emulator's community (once; later runs keep it)."""
    from connections.models import VkConnection
    from connections.vk.services import save_vk_connection

    existing = VkConnection.objects.filter(merchant=merchant).exclude(access_token="").first()
    if existing:
        return existing
    return save_vk_connection(merchant=merchant, access_token=DEMO_VK_TOKEN, community=DEMO_SCREEN_NAME)
