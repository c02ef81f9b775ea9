"""Numbers and dates formatted in Python for the long pages read as the template filters would show them."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.utils import translation

from core import formats


@pytest.mark.parametrize("value", ["12", "12.000", "0.25", "-1.5", "0", "1234.567", "0.0004"])
def test_amount_reads_like_floatformat_minus_3(value):
    with translation.override("ru"):
        assert formats.amount(Decimal(value)) == floatformat(Decimal(value), "-3")


def test_money_has_two_decimals_and_groups_thousands_in_the_merchants_language():
    with translation.override("ru"):
        assert formats.money(Decimal("3583.6")) == "3\xa0583,60"
        assert formats.money(Decimal("12")) == "12,00"
    with translation.override("en"):
        assert formats.money(Decimal("1234567.891")) == "1,234,567.89"
    assert formats.money(None) == ""


def test_moment_reads_like_the_date_filter_in_the_current_time_zone():
    moment = datetime(2026, 1, 31, 21, 5, tzinfo=UTC)
    shown = Template('{{ moment|date:"d.m.Y H:i" }}').render(Context({"moment": moment}))
    assert formats.moment(moment) == shown == "01.02.2026 00:05"  # Europe/Moscow
    assert formats.moment(None) == ""


@pytest.mark.parametrize(
    "count, word",
    [(0, "запросов"), (1, "запрос"), (2, "запроса"), (4, "запроса"), (5, "запросов"), (11, "запросов"),
     (12, "запросов"), (14, "запросов"), (21, "запрос"), (22, "запроса"), (72, "запроса"), (111, "запросов"),
     (1001, "запрос")],
)  # fmt: skip
def test_plural_picks_the_russian_form_for_the_count(count, word):
    assert formats.plural(count, "запрос", "запроса", "запросов") == word
