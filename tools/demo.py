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
    """Connect the demo merchant to the emulated Evotor and VK; on the first run, publish one store and sync it."""
    from catalog.models import Store
    from catalog.services import refresh_catalog
    from emulators.evotor import demo as evotor_demo
    from emulators.vk import demo as vk_demo
    from vksync.sync_models import SyncRun
    from vksync.sync_services import confirm_plan

    merchant = get_user_model().objects.get(email=DEMO_ACCOUNTS[1][1])
    evotor_demo.connect_demo_merchant(merchant)
    vk_demo.connect_demo_merchant(merchant)
    refresh = refresh_catalog(merchant=merchant)  # sends catalog_changed: a merchant whose sync is on gets a run
    if SyncRun.objects.filter(merchant=merchant).exists():
        return f"Demo merchant {merchant.email}: catalog refreshed ({refresh.status}); the VK sync follows."
    store = Store.objects.filter(merchant=merchant, removed=False).order_by("name").first()
    if store is None:
        return f"Demo merchant {merchant.email}: the Evotor catalog could not be read ({refresh.status})."
    Store.objects.filter(pk=store.pk).update(sync_enabled=True)
    refresh_catalog(merchant=merchant)  # again: now the pictures of the published products are read too
    confirm_plan(merchant=merchant)
    return f"Demo merchant {merchant.email}: store «{store.name}» is published; the first VK sync is queued."
