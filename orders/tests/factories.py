"""Factories for the VK orders: an order, its items, an event of the Callback API, the orders' access state."""

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from emulators.vk.fixtures import TEST_GROUP_ID
from orders.models import CallbackEvent, Order, OrderItem, OrdersAccess


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    merchant = factory.SubFactory(UserFactory)
    group_id = TEST_GROUP_ID
    vk_order_id = factory.Sequence(lambda n: 1000 + n)
    vk_user_id = 900
    display_order_id = factory.LazyAttribute(lambda o: f"{o.vk_user_id}-{o.vk_order_id}")
    ordered_at = factory.LazyFunction(timezone.now)
    total = 250
    items_count = 1
    arrived_by = Order.ArrivedBy.CALLBACK


class OrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory)
    vk_item_id = factory.Sequence(lambda n: 500 + n)
    title = factory.Sequence(lambda n: f"Чай №{n}")
    quantity = 1
    price = 250


class CallbackEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallbackEvent

    merchant = factory.SubFactory(UserFactory)
    group_id = TEST_GROUP_ID
    event_id = factory.Sequence(lambda n: f"{n:032x}")
    type = "market_order_new"
    payload = factory.LazyFunction(dict)


class OrdersAccessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrdersAccess

    merchant = factory.SubFactory(UserFactory)
    problem = "VK не отдаёт заказы сообщества: в нём не включён расширенный режим товаров."
    problem_code = 1409
    problem_since = factory.LazyFunction(timezone.now)
