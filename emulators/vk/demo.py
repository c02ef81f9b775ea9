"""Demo data: the VK user and community the VK emulator serves under `manage.py run_emulators` (and `make run`).

Only the emulator's side; `tools.demo` connects EvoSync's demo merchant to it.
"""

DEMO_VK_TOKEN = "demo-vk-user-token"
DEMO_VK_USER_ID = 1
DEMO_GROUP_ID = 1
DEMO_SCREEN_NAME = "evosync_demo"
DEMO_CLIENT_ID = "evosync-demo"
DEMO_COMMUNITY_TOKEN = "demo-vk-community-token"


def seed_demo(emulator) -> None:
    """One user who administers one community with its shop on (and its own token; the user allowed its
    messages); VK ID answers for the demo client."""
    emulator.oauth_client_id = DEMO_CLIENT_ID
    emulator.add_user(token=DEMO_VK_TOKEN, user_id=DEMO_VK_USER_ID, name="Демо Продавец")
    emulator.add_community(
        group_id=DEMO_GROUP_ID, name="Демо-магазин", screen_name=DEMO_SCREEN_NAME, admins=[DEMO_VK_USER_ID]
    )
    emulator.add_community_token(DEMO_COMMUNITY_TOKEN, DEMO_GROUP_ID)
    emulator.communities[DEMO_GROUP_ID].messages_allowed.add(DEMO_VK_USER_ID)
