"""The demo's accounts (DEBUG only): one staff member and one merchant."""

from django.contrib.auth import get_user_model

DEMO_ACCOUNTS = [
    ("staff", "admin@evosync.local", "admin-demo-2026", {"is_staff": True, "is_superuser": True}),
    ("merchant", "merchant@evosync.local", "merchant-demo-2026", {}),
]


def ensure_demo_accounts():
    """Create the demo accounts if missing; return (role, email, password) for the banner."""
    User = get_user_model()
    shown = []
    for role, email, password, flags in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            email=email, defaults={"full_name": f"Demo {role}", "status": User.Status.ACTIVE, **flags}
        )
        if created:
            user.set_password(password)
            user.save()
            _mark_email_verified(user)
        shown.append((role, email, password))
    return shown


def _mark_email_verified(user):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
