"""The demo merchant the Evotor emulator serves under `manage.py run_emulators` (and `make run`)."""

DEMO_TOKEN = "demo-evotor-cloud-token"
DEMO_USER_ID = "01-000000000000777"


def connect_demo_merchant(merchant):
    """Give the demo merchant an Evotor connection to the emulator's demo catalog (once; later runs keep it)."""
    from connections.evotor.services import evotor_link_user, evotor_save_token
    from connections.models import EvotorConnection

    if EvotorConnection.objects.filter(merchant=merchant).exclude(token="").exists():
        return EvotorConnection.objects.get(merchant=merchant)
    evotor_link_user(merchant=merchant, evotor_user_id=DEMO_USER_ID)
    return evotor_save_token(merchant=merchant, token=DEMO_TOKEN, source=EvotorConnection.Source.WEBHOOK)
