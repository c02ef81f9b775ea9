"""The demo (DEBUG only): its accounts, and the wiring of the demo merchant to the emulators.

The emulators hold their demo data (tokens, ids, a seeded catalog and community) and import no app;
this module connects the demo merchant to them through the apps' own services.
"""

from django.contrib.auth import get_user_model

from accounts import roles
from accounts.services import activate, set_role

DEMO_ACCOUNTS = [
    ("staff", "admin@evosync.local", "admin-demo-2026", roles.SYSTEM),
    ("merchant", "merchant@evosync.local", "merchant-demo-2026", roles.USER),
]
DEMO_NAMES = {"staff": "Демо Сотрудник", "merchant": "Демо Продавец"}


def ensure_demo_accounts():
    """Create the demo accounts if missing; return (role, email, password) for the banner."""
    User = get_user_model()
    shown = []
    for label, email, password, role in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": DEMO_NAMES[label]})
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
            activate(user=user)
            set_role(user=user, role=role)
        shown.append((label, email, password))
    return shown


def connect_demo_merchant() -> str:
    """Connect the demo merchant to the emulated Evotor and VK; on the first run, publish one store and have
    the first plan computed. The plan waits for the visitor's confirmation on the site, as a new merchant's does."""
    from catalog.models import Store
    from catalog.services import refresh_catalog
    from vksync.models import SyncRun
    from vksync.selectors import settings_for
    from vksync.triggers import request_sync

    merchant = get_user_model().objects.get(email=DEMO_ACCOUNTS[1][1])
    connect_evotor(merchant)
    connect_vk(merchant)
    refresh = refresh_catalog(merchant=merchant)  # sends catalog_changed: a merchant whose sync is on gets a run
    if SyncRun.objects.filter(merchant=merchant).exists():
        after = "the VK sync follows" if settings_for(merchant).enabled else "the first plan waits for confirmation"
        return f"Demo merchant {merchant.email}: catalog refreshed ({refresh.status}); {after}."
    store = Store.objects.filter(merchant=merchant, removed=False).order_by("name").first()
    if store is None:
        return f"Demo merchant {merchant.email}: the Evotor catalog could not be read ({refresh.status})."
    Store.objects.filter(pk=store.pk).update(sync_enabled=True)
    refresh_catalog(merchant=merchant)  # again: now the pictures of the published products are read too
    request_sync(merchant=merchant, trigger=SyncRun.Trigger.COMMAND)  # sync is off: the run stops at its plan
    return (
        f"Demo merchant {merchant.email}: store «{store.name}» is published; the first VK sync's plan "
        "is being computed and waits for confirmation on the site (/sync)."
    )


def connect_evotor(merchant):
    """Give the merchant an Evotor connection to the emulator's demo catalog (once; later runs keep it)."""
    from connections.evotor.services import evotor_link_user, evotor_save_token
    from connections.models import EvotorConnection
    from emulators.evotor import demo as evotor_demo

    if EvotorConnection.objects.filter(merchant=merchant).exclude(token="").exists():
        return EvotorConnection.objects.get(merchant=merchant)
    evotor_link_user(merchant=merchant, evotor_user_id=evotor_demo.DEMO_USER_ID)
    return evotor_save_token(merchant=merchant, token=evotor_demo.DEMO_TOKEN, source=EvotorConnection.Source.WEBHOOK)


def connect_vk(merchant):
    """Give the merchant a VK connection to the emulator's demo community (once; later runs keep it), with the
    community's token and its Callback API pointed at this site (set up again each run: the emulator forgets)."""
    from connections.models import VkConnection
    from connections.vk.community import save_community_token, set_up_callback
    from connections.vk.services import save_vk_connection
    from emulators.vk import demo as vk_demo

    connection = VkConnection.objects.filter(merchant=merchant).exclude(access_token="").first()
    if connection is None:
        connection = save_vk_connection(
            merchant=merchant, access_token=vk_demo.DEMO_VK_TOKEN, community=vk_demo.DEMO_SCREEN_NAME
        )
    if not connection.community_token:
        connection = save_community_token(merchant=merchant, token=vk_demo.DEMO_COMMUNITY_TOKEN)
    VkConnection.objects.filter(pk=connection.pk).update(callback_server_id=None, callback_confirmed_at=None)
    connection.callback_server_id = None
    return set_up_callback(connection=connection)


def vk_id_settings(base_url: str) -> dict[str, str]:
    """Settings that send "Connect with VK" to the VK emulator's VK ID pages at `base_url`."""
    from emulators.vk.demo import DEMO_CLIENT_ID

    return {
        "VK_ID_CLIENT_ID": DEMO_CLIENT_ID,
        "VK_ID_AUTHORIZE_URL": f"{base_url}/authorize",
        "VK_ID_TOKEN_URL": f"{base_url}/oauth2/auth",
    }
