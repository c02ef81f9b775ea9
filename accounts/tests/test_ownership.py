"""Merchant A can neither read nor change merchant B's objects: one choke point, get_owned_or_404."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts.ownership import get_owned_or_404
from accounts.tests.factories import UserFactory
from accounts.tests.test_profile import OWNED_MODELS, give_merchant_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchants(merchant):
    """Two merchants with one of everything; the test client is logged in as the first."""
    a, b = merchant, UserFactory()
    give_merchant_data(a)
    give_merchant_data(b)
    return a, b


@pytest.mark.parametrize("model", OWNED_MODELS, ids=lambda m: m.__name__)
def test_merchant_a_gets_404_for_merchant_bs_ids(merchants, model):
    a, b = merchants
    theirs = model.objects.get(merchant=b)
    mine = model.objects.get(merchant=a)

    assert get_owned_or_404(model, a, pk=mine.pk) == mine
    with pytest.raises(Http404):
        get_owned_or_404(model, a, pk=theirs.pk)


@pytest.mark.parametrize("model", OWNED_MODELS, ids=lambda m: m.__name__)
def test_owned_by_lists_only_the_merchants_own_rows(merchants, model):
    a, b = merchants

    assert set(model.objects.owned_by(a).values_list("merchant_id", flat=True)) == {a.pk}


def test_a_filtered_queryset_is_still_scoped_to_the_owner(merchants):
    from catalog.models import Product

    a, b = merchants
    theirs = Product.objects.get(merchant=b)

    with pytest.raises(Http404):
        get_owned_or_404(Product.objects.filter(removed=False), a, evotor_id=theirs.evotor_id)


def test_guests_own_nothing(merchants):
    from catalog.models import Store

    assert not Store.objects.owned_by(AnonymousUser()).exists()
    with pytest.raises(Http404):
        get_owned_or_404(Store, AnonymousUser(), pk=Store.objects.first().pk)


def test_merchant_cannot_reach_another_merchants_data_through_the_admin(client, merchants):
    a, b = merchants
    evotor = b.evotor_connection

    response = client.get(f"/admin/connections/evotorconnection/{evotor.pk}/change/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_account_pages_act_only_on_the_logged_in_merchant(client, merchants):
    a, b = merchants

    client.post("/profile/edit", {"full_name": "Взлом", "phone": "", "language": "ru", "id": b.pk, "pk": b.pk})
    client.post("/profile/delete", {"password": "whatever", "id": b.pk})

    b.refresh_from_db()
    assert b.full_name != "Взлом"
    assert all(model.objects.filter(merchant=b).exists() for model in OWNED_MODELS)
