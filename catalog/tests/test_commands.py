"""`manage.py refresh_catalog`: one merchant or all, progress lines and a summary."""

import io

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Product
from connections.tests.factories import EvotorConnectionFactory

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command("refresh_catalog", *args, stdout=out)
    return out.getvalue()


def test_refresh_one_merchant_by_email(evotor_emulator):
    evotor_emulator.add_merchant(token="tok-1", stores=1, groups=2, products=20)
    connection = EvotorConnectionFactory(token="tok-1")
    EvotorConnectionFactory(token="tok-1")  # someone else: not refreshed
    output = run("--user", connection.merchant.email.upper())
    assert Product.objects.filter(merchant=connection.merchant).count() == 20
    assert Product.objects.count() == 20
    assert "товаров прочитано 20" in output
    assert "Done: 1 of 1 merchants refreshed, 20 products read" in output


def test_refresh_all_reports_failures_and_still_does_the_rest(evotor_emulator):
    evotor_emulator.add_merchant(token="tok-1", stores=1, groups=1, products=5)
    good = EvotorConnectionFactory(token="tok-1")
    EvotorConnectionFactory(token="revoked")
    with pytest.raises(CommandError, match="not refreshed"):
        run("--all")
    assert Product.objects.filter(merchant=good.merchant).count() == 5


def test_unknown_user_and_missing_choice_are_errors():
    with pytest.raises(CommandError, match="No user"):
        run("--user", "nobody@example.com")
    with pytest.raises(CommandError):
        run()
