import factory
from django.utils import timezone

from audit.models import AuditEvent, Event


class AuditEventFactory(factory.django.DjangoModelFactory):
    """An explicit event (no row behind it), as `audit.services.record` writes one."""

    class Meta:
        model = AuditEvent

    event = Event.LOGIN
    merchant_email = factory.Sequence(lambda n: f"merchant{n}@example.com")
    summary = "Вход"
    timestamp = factory.LazyFunction(timezone.now)
