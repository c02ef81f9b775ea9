"""/profile, /profile/edit, /profile/delete."""

import pytest
from allauth.account.models import EmailAddress

from accounts import team, team_roles
from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory, member_of
from catalog.models import Product, ProductGroup, Store
from catalog.tests.factories import ProductFactory, ProductGroupFactory, StoreFactory
from connections.models import EvotorConnection, VkConnection
from connections.tests.factories import EvotorConnectionFactory, VkConnectionFactory
from vkshop.models import VkAlbum, VkItem
from vkshop.tests.factories import VkAlbumFactory, VkItemFactory

pytestmark = pytest.mark.django_db


def give_merchant_data(merchant):
    """One of everything a merchant owns today: connections with tokens, catalog, VK cache."""
    EvotorConnectionFactory(merchant=merchant, token="evo-secret")
    community = 1000 + merchant.pk
    VkConnectionFactory(merchant=merchant, access_token="vk-secret", group_id=community)
    group = ProductGroupFactory(store=StoreFactory(merchant=merchant), name="Чай")
    ProductFactory(store=group.store, group=group, name="Пуэр")
    VkAlbumFactory(merchant=merchant, group_id=community, title="Чай")
    VkItemFactory(merchant=merchant, group_id=community, title="Пуэр")


OWNED_MODELS = [EvotorConnection, VkConnection, Store, ProductGroup, Product, VkAlbum, VkItem]


def test_profile_shows_the_merchant_and_links(client, merchant):
    page = client.get("/profile").content.decode()

    assert merchant.full_name in page and merchant.phone in page and merchant.email in page
    for link in ["/profile/edit", "/profile/change-password", "/profile/delete"]:
        assert f'href="{link}"' in page


def test_profile_pages_need_login(client):
    for path in ["/profile", "/profile/edit", "/profile/delete"]:
        assert client.get(path)["Location"].startswith("/login?next=")


def test_edit_saves_name_phone_and_mail_language(client, merchant):
    response = client.post(
        "/profile/edit", {"full_name": "Иван Сидоров", "phone": "+7 (912) 000-11-22", "language": "en"}
    )

    assert response["Location"] == "/profile"
    merchant.refresh_from_db()
    assert (merchant.full_name, merchant.phone, merchant.language) == ("Иван Сидоров", "+7 (912) 000-11-22", "en")


def test_edit_rejects_a_bad_phone_and_keeps_the_old_one(client, merchant):
    phone = merchant.phone

    response = client.post("/profile/edit", {"full_name": "Иван", "phone": "12", "language": "ru"})

    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    merchant.refresh_from_db()
    assert merchant.phone == phone


def test_edit_cannot_change_status_or_email(client, merchant):
    email = merchant.email

    client.post(
        "/profile/edit",
        {"full_name": "Иван", "phone": "", "language": "ru", "status": "suspended", "email": "x@example.com"},
    )

    merchant.refresh_from_db()
    assert (merchant.email, merchant.status) == (email, User.Status.ACTIVE)


def test_delete_asks_for_the_password_and_wrong_one_keeps_everything(client, merchant):
    give_merchant_data(merchant)

    assert 'name="password"' in client.get("/profile/delete").content.decode()
    response = client.post("/profile/delete", {"password": "not-my-password"})

    assert response.status_code == 200
    assert "Неверный пароль" in response.content.decode()
    assert User.objects.filter(pk=merchant.pk).exists()
    assert all(model.objects.filter(merchant=merchant).exists() for model in OWNED_MODELS)


def test_delete_removes_account_connections_tokens_and_catalog_but_not_others(client, merchant):
    other = UserFactory()
    give_merchant_data(merchant)
    give_merchant_data(other)

    response = client.post("/profile/delete", {"password": DEFAULT_PASSWORD})

    assert response["Location"] == "/login"
    assert not User.objects.filter(pk=merchant.pk).exists()
    assert not EmailAddress.objects.filter(user_id=merchant.pk).exists()
    for model in OWNED_MODELS:
        assert not model.objects.filter(merchant_id=merchant.pk).exists(), model
        assert model.objects.filter(merchant=other).count() == 1, model
    assert "_auth_user_id" not in client.session


def test_staff_cannot_delete_themselves_here(client):
    staff = UserFactory(staff=True)
    client.force_login(staff)

    page = client.get("/profile/delete")
    post = client.post("/profile/delete", {"password": DEFAULT_PASSWORD})

    assert page.status_code == 403
    assert "Аккаунт сотрудника здесь удалить нельзя" in page.content.decode()
    assert post.status_code == 403
    assert User.objects.filter(pk=staff.pk).exists()


def test_profile_has_no_delete_link_for_staff(client):
    client.force_login(UserFactory(staff=True))

    assert "/profile/delete" not in client.get("/profile").content.decode()


def test_a_founder_whose_team_took_the_owners_rights_is_offered_no_deletion(client, merchant):
    co_owner = member_of(merchant, role=team_roles.OWNER, email="co-owner@example.com")
    team.change_role(shop=merchant, member=merchant, role=team_roles.VIEWER)
    client.force_login(merchant)

    page = client.get("/profile").content.decode()

    assert "/profile/delete" not in page
    assert "доступно владельцу магазина" in page
    assert client.post("/profile/delete", {"password": DEFAULT_PASSWORD}).status_code == 403
    client.force_login(co_owner)
    assert "/profile/delete" in client.get("/profile").content.decode()


def test_deleted_merchant_can_register_again_with_the_same_email(client, merchant, mailoutbox):
    client.post("/profile/delete", {"password": DEFAULT_PASSWORD})

    password = "Sunflower-Market-42"
    response = client.post(
        "/register",
        {"email": merchant.email, "full_name": "Анна", "phone": "+79001234567"}
        | {"password1": password, "password2": password},
    )

    assert response["Location"] == "/confirm-email"
    assert User.objects.get(email=merchant.email).status == User.Status.PENDING
