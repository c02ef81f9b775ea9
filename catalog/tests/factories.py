import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from catalog.models import CatalogRead, Product, ProductGroup, StockRecheck, Store
from catalog.search import search_text_of


class StoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Store

    merchant = factory.SubFactory(UserFactory)
    evotor_id = factory.Sequence(lambda n: f"20240101-0000-4000-8000-{n:012d}")
    name = factory.Sequence(lambda n: f"Магазин №{n}")
    address = "г. Москва, ул. Ленина, д. 1"
    sync_enabled = True


class ProductGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductGroup

    store = factory.SubFactory(StoreFactory)
    merchant = factory.SelfAttribute("store.merchant")
    evotor_id = factory.Faker("uuid4")
    name = factory.Sequence(lambda n: f"Группа {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    store = factory.SubFactory(StoreFactory)
    merchant = factory.SelfAttribute("store.merchant")
    evotor_id = factory.Faker("uuid4")
    name = factory.Sequence(lambda n: f"Товар {n}")
    code = factory.Sequence(lambda n: str(n))
    barcodes = factory.Sequence(lambda n: [f"460{n:010d}"])
    price = 100
    quantity = 5
    measure_name = "шт"
    content_hash = factory.Sequence(lambda n: f"{n:064x}")
    search_text = factory.LazyAttribute(lambda o: search_text_of(name=o.name, code=o.code, barcodes=o.barcodes))


class StockRecheckFactory(factory.django.DjangoModelFactory):
    """A product Evotor said moved, waiting for the next stock recheck."""

    class Meta:
        model = StockRecheck

    merchant = factory.SubFactory(UserFactory)
    store_evotor_id = factory.Faker("uuid4")
    product_evotor_id = factory.Faker("uuid4")
    noted_at = factory.LazyFunction(timezone.now)


class CatalogReadFactory(factory.django.DjangoModelFactory):
    """A catalog read cut at a task's deadline: the first store's first page half written, its next task to come."""

    class Meta:
        model = CatalogRead

    merchant = factory.SubFactory(UserFactory)
    started_at = factory.LazyFunction(timezone.now)
    store_evotor_id = factory.Faker("uuid4")
    groups_read = True
    page_offset = 200
    seen = factory.LazyFunction(list)
