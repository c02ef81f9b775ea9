"""Factories for what Evotor told us through its event webhooks."""

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from webhooks.models import EvotorLinkRequest, EvotorSubscription, EvotorUserLock, WebhookEvent


class WebhookEventFactory(factory.django.DjangoModelFactory):
    """A subscription event as /subscription/event records it (applied); pass `kind=…, event_type=…` for others."""

    class Meta:
        model = WebhookEvent

    kind = WebhookEvent.Kind.SUBSCRIPTION
    sequence_number = factory.Sequence(lambda n: n + 1)
    event_id = factory.LazyAttribute(lambda o: f"sub-{o.evotor_user_id}:{o.sequence_number}")
    event_type = "SubscriptionCreated"
    evotor_user_id = factory.Sequence(lambda n: f"01-{n:015d}")
    occurred_at = factory.LazyFunction(timezone.now)
    payload = factory.LazyAttribute(
        lambda o: {"userId": o.evotor_user_id, "type": o.event_type, "sequenceNumber": o.sequence_number}
    )
    applied = True


class EvotorSubscriptionFactory(factory.django.DjangoModelFactory):
    """An active subscription to our application in Evotor's store."""

    class Meta:
        model = EvotorSubscription

    subscription_id = factory.Sequence(lambda n: f"sub-{n}")
    evotor_user_id = factory.Sequence(lambda n: f"01-{n:015d}")
    product_id = "evosync"
    plan_id = "basic"
    status = "SubscriptionCreated"
    last_sequence_number = 1


class EvotorUserLockFactory(factory.django.DjangoModelFactory):
    """The row that serialises concurrent /user/create calls for one Evotor user."""

    class Meta:
        model = EvotorUserLock

    evotor_user_id = factory.Sequence(lambda n: f"01-{n:015d}")


class EvotorLinkRequestFactory(factory.django.DjangoModelFactory):
    """An open request to link an Evotor user to an existing account, waiting for its owner's answer."""

    class Meta:
        model = EvotorLinkRequest

    merchant = factory.SubFactory(UserFactory)
    evotor_user_id = factory.Sequence(lambda n: f"01-{n:015d}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=2))
