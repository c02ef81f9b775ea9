"""bulk_set: one UPDATE … CASE per batch writes each row's own values, of every field kind, and nothing else.

core has no models of its own, so these tests write catalog's Product: a real table with every field kind.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from catalog.models import Product
from catalog.tests.factories import ProductFactory
from core.upsert import bulk_set

pytestmark = pytest.mark.django_db


def test_each_row_gets_its_own_values_of_every_kind():
    products = ProductFactory.create_batch(3)
    untouched = ProductFactory()
    moment = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    for n, product in enumerate(products):
        product.name = f"Новое имя {n} «с кавычками»"
        product.price = Decimal("10.50") + n
        product.extra = {"n": n, "слово": "да"}
        product.removed_at = moment if n == 1 else None
        product.allow_to_sell = n != 2
    assert bulk_set(Product, products, ["name", "price", "extra", "removed_at", "allow_to_sell"]) == 3
    for n, product in enumerate(Product.objects.filter(pk__in=[p.pk for p in products]).order_by("pk")):
        assert product.name == f"Новое имя {n} «с кавычками»"
        assert product.price == Decimal("10.50") + n
        assert product.extra == {"n": n, "слово": "да"}
        assert product.removed_at == (moment if n == 1 else None)
        assert product.allow_to_sell is (n != 2)
    assert Product.objects.get(pk=untouched.pk).name == untouched.name


def test_batches_split_by_the_parameter_limit_and_nothing_is_sent_for_no_rows():
    products = ProductFactory.create_batch(7)
    for product in products:
        product.code = f"code-{product.pk}"
    assert bulk_set(Product, products, ["code"], batch_size=3) == 7
    assert sorted(Product.objects.values_list("code", flat=True)) == sorted(f"code-{p.pk}" for p in products)
    assert bulk_set(Product, [], ["code"]) == 0
