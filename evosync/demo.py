"""The demo's accounts (DEBUG only): one staff member and one merchant."""

from django.contrib.auth import get_user_model

from accounts import roles
from accounts.services import activate, set_role

DEMO_ACCOUNTS = [
    ("staff", "admin@evosync.local", "admin-demo-2026", roles.SYSTEM),
    ("merchant", "merchant@evosync.local", "merchant-demo-2026", roles.USER),
]


def ensure_demo_accounts():
    """Create the demo accounts if missing; return (role, email, password) for the banner."""
    User = get_user_model()
    shown = []
    for label, email, password, role in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": f"Demo {label}"})
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
            activate(user=user)
            set_role(user=user, role=role)
        shown.append((label, email, password))
    return shown


def connect_demo_merchant() -> str:
    """Connect the demo merchant to the emulated Evotor and VK and queue the first catalog reads."""
    from connections.services import evotor_queue_refresh
    from emulators.evotor import demo as evotor_demo
    from emulators.vk import demo as vk_demo

    merchant = get_user_model().objects.get(email=DEMO_ACCOUNTS[1][1])
    evotor_demo.connect_demo_merchant(merchant)
    vk_demo.connect_demo_merchant(merchant)
    evotor_queue_refresh(merchant_id=merchant.pk)
    return f"Demo merchant {merchant.email}: Evotor and VK connected; the first catalog refresh is queued."
