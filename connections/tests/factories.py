import factory

from accounts.tests.factories import UserFactory
from connections.models import EvotorConnection


class EvotorConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvotorConnection

    merchant = factory.SubFactory(UserFactory)
    evotor_user_id = factory.Sequence(lambda n: f"01-{n:015d}")
    token = factory.Sequence(lambda n: f"evotor-cloud-token-{n:04d}")
    source = EvotorConnection.Source.WEBHOOK
