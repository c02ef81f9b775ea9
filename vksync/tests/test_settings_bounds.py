"""Every number of the sync settings is bounded on the form and the model, and what is already stored
out of range cannot crash a sync (issue 12, finding 4: a grace of 2,147,483,647 days made every sync fail)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.tests.factories import UserFactory
from catalog.models import Product
from catalog.services import refresh_catalog
from vksync import rules
from vksync.engine import run_sync
from vksync.models import SyncRun, SyncSettings
from vksync.rules import Rules
from vksync.tests.helpers import SETTINGS_FORM

VALID = SETTINGS_FORM | {"unavailable_action": "delete"}


@pytest.fixture
def merchant(db, client):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    "field, value",
    [
        ("delete_grace_days", 2_147_483_647),
        ("delete_grace_days", 366),
        ("delete_grace_days", -1),
        ("markup_percent", "-100"),
        ("markup_percent", "1000.01"),
        ("markup_percent", "99999.99"),
        ("old_price_markup_percent", "-150"),
        ("old_price_markup_percent", "5000"),
        ("category_id", 0),
        ("category_id", -3),
        ("category_id", 2**31),
        ("description_template", "{description}" + "x" * 4000),
    ],
)
def test_a_number_out_of_bounds_is_refused_in_words(client, merchant, field, value):
    response = client.post(reverse("sync_settings"), VALID | {field: value})
    assert response.status_code == 200
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not SyncSettings.objects.filter(merchant=merchant, **{field: value}).exists()


def test_the_bounds_themselves_are_accepted(client, merchant):
    edge = {"delete_grace_days": 365, "markup_percent": "1000", "old_price_markup_percent": "-99.99"}
    response = client.post(reverse("sync_settings"), VALID | edge | {"brake_percent": "100"})
    assert response.status_code == 302
    saved = SyncSettings.objects.get(merchant=merchant)
    assert (saved.delete_grace_days, saved.markup_percent, saved.brake_share) == (365, Decimal("1000"), Decimal("1"))
    response = client.post(reverse("sync_settings"), VALID | {"delete_grace_days": 0, "brake_percent": "1"})
    assert response.status_code == 302
    assert SyncSettings.objects.get(merchant=merchant).brake_share == Decimal("0.01")


def test_the_model_refuses_what_the_form_refuses(merchant):
    settings = SyncSettings(merchant=merchant, delete_grace_days=2_147_483_647, brake_share=Decimal("0"))
    with pytest.raises(ValidationError) as refused:
        settings.full_clean()
    assert {"delete_grace_days", "brake_share"} <= set(refused.value.message_dict)


def test_a_group_category_out_of_bounds_is_refused(client, merchant):
    from catalog.tests.factories import ProductGroupFactory, StoreFactory

    group = ProductGroupFactory(store=StoreFactory(merchant=merchant, sync_enabled=True), name="Напитки")
    response = client.post(reverse("sync_settings"), VALID | {f"group_category_{group.evotor_id}": str(2**31)})
    assert response.status_code == 200
    assert SyncSettings.objects.get(merchant=merchant).group_categories == {}


def test_rules_clamp_what_is_stored_out_of_range(db):
    stored = SyncSettings(
        merchant=UserFactory(),
        category_id=-5,
        group_categories={"g1": 2**40, "g2": "12", "g3": 102, "g4": None, "g5": True},
        markup_percent=Decimal("99999.99"),
        old_price_markup_percent=Decimal("-500"),
    )
    made = Rules.from_settings(stored)
    assert made.category_id == 1
    assert made.group_categories == {"g3": 102}
    assert (made.markup_percent, made.old_price_markup_percent) == (rules.MARKUP_MAX, rules.MARKUP_MIN)
    assert rules.grace_days(2_147_483_647) == rules.GRACE_DAYS_MAX and rules.grace_days(-4) == 0
    assert rules.brake_share(Decimal("0")) == rules.BRAKE_SHARE_MIN
    assert rules.brake_share(Decimal("99.99")) == rules.BRAKE_SHARE_MAX


def test_a_sync_survives_settings_stored_out_of_range(shop):
    """Values written before the bounds (or by hand in the database) are clamped where the sync reads them."""
    assert run_sync(merchant=shop.merchant).status == SyncRun.Status.DONE
    product = Product.objects.filter(merchant=shop.merchant, quantity__gt=0, allow_to_sell=True).first()
    shop.evotor.remove_product(shop.token, product.evotor_id)
    refresh_catalog(merchant=shop.merchant)
    SyncSettings.objects.filter(merchant=shop.merchant).update(unavailable_action="delete", brake_share=Decimal("0.9"))
    assert run_sync(merchant=shop.merchant).status == SyncRun.Status.DONE  # hidden now
    SyncSettings.objects.filter(merchant=shop.merchant).update(
        delete_grace_days=2_147_483_647,
        markup_percent=Decimal("99999.99"),
        category_id=0,
        group_categories={"whatever": "abc"},
        brake_share=Decimal("0"),
    )
    run = run_sync(merchant=shop.merchant)
    assert run.status == SyncRun.Status.DONE, run.error
    assert "OverflowError" not in (run.error or "")
