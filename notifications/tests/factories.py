"""Factories for what the merchant is told."""

import factory

from accounts.tests.factories import UserFactory
from notifications.models import Notice


class NoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notice

    merchant = factory.SubFactory(UserFactory)
    key = factory.Sequence(lambda n: f"test:{n}")
    channel = Notice.Channel.MAIL
    subject = "Новый заказ VK"
    text = "В сообществе VK новый заказ."
