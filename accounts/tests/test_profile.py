"""/profile, /profile/edit, /profile/delete."""

import pytest
from allauth.account.models import EmailAddress

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from catalog.models import Product, ProductGroup, Store
from connections.models import EvotorConnection, VkConnection
from vkshop.models import VkAlbum, VkItem

pytestmark = pytest.mark.django_db


def give_merchant_data(merchant):
    """One of everything a merchant owns today: connections with tokens, catalog, VK cache."""
    EvotorConnection.objects.create(merchant=merchant, evotor_user_id=f"01-{merchant.pk:015d}", token="evo-secret")
    VkConnection.objects.create(merchant=merchant, access_token="vk-secret", group_id=1000 + merchant.pk)
    store = Store.objects.create(merchant=merchant, evotor_id=f"store-{merchant.pk}", name="Магазин")
    group = ProductGroup.objects.create(merchant=merchant, store=store, evotor_id=f"group-{merchant.pk}", name="Чай")
    Product.objects.create(merchant=merchant, store=store, group=group, evotor_id=f"p-{merchant.pk}", name="Пуэр")
    VkAlbum.objects.create(merchant=merchant, group_id=1000 + merchant.pk, vk_id=1, title="Чай")
    VkItem.objects.create(merchant=merchant, group_id=1000 + merchant.pk, vk_id=1, title="Пуэр")


OWNED_MODELS = [EvotorConnection, VkConnection, Store, ProductGroup, Product, VkAlbum, VkItem]


def test_profile_shows_the_merchant_and_links(client):
    user = UserFactory(full_name="Анна Петрова", phone="+79001234567")
    client.force_login(user)

    page = client.get("/profile").content.decode()

    assert "Анна Петрова" in page and "+79001234567" in page and user.email in page
    for link in ["/profile/edit", "/profile/change-password", "/profile/delete"]:
        assert f'href="{link}"' in page


def test_profile_pages_need_login(client):
    for path in ["/profile", "/profile/edit", "/profile/delete"]:
        assert client.get(path)["Location"].startswith("/login?next=")


def test_edit_saves_name_phone_and_mail_language(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        "/profile/edit", {"full_name": "Иван Сидоров", "phone": "+7 (912) 000-11-22", "language": "en"}
    )

    assert response["Location"] == "/profile"
    user.refresh_from_db()
    assert (user.full_name, user.phone, user.language) == ("Иван Сидоров", "+7 (912) 000-11-22", "en")


def test_edit_rejects_a_bad_phone_and_keeps_the_old_one(client):
    user = UserFactory(phone="+79001234567")
    client.force_login(user)

    response = client.post("/profile/edit", {"full_name": "Иван", "phone": "12", "language": "ru"})

    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    user.refresh_from_db()
    assert user.phone == "+79001234567"


def test_edit_cannot_change_status_or_email(client):
    user = UserFactory(email="shop@example.com")
    client.force_login(user)

    client.post(
        "/profile/edit",
        {"full_name": "Иван", "phone": "", "language": "ru", "status": "suspended", "email": "x@example.com"},
    )

    user.refresh_from_db()
    assert (user.email, user.status) == ("shop@example.com", User.Status.ACTIVE)


def test_delete_asks_for_the_password_and_wrong_one_keeps_everything(client):
    user = UserFactory()
    give_merchant_data(user)
    client.force_login(user)

    assert 'name="password"' in client.get("/profile/delete").content.decode()
    response = client.post("/profile/delete", {"password": "not-my-password"})

    assert response.status_code == 200
    assert "Неверный пароль" in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()
    assert all(model.objects.filter(merchant=user).exists() for model in OWNED_MODELS)


def test_delete_removes_account_connections_tokens_and_catalog_but_not_others(client):
    user = UserFactory()
    other = UserFactory()
    give_merchant_data(user)
    give_merchant_data(other)
    client.force_login(user)

    response = client.post("/profile/delete", {"password": DEFAULT_PASSWORD})

    assert response["Location"] == "/login"
    assert not User.objects.filter(pk=user.pk).exists()
    assert not EmailAddress.objects.filter(user_id=user.pk).exists()
    for model in OWNED_MODELS:
        assert not model.objects.filter(merchant_id=user.pk).exists(), model
        assert model.objects.filter(merchant=other).count() == 1, model
    assert "_auth_user_id" not in client.session


def test_staff_cannot_delete_themselves_here(client):
    staff = StaffFactory()
    client.force_login(staff)

    page = client.get("/profile/delete")
    post = client.post("/profile/delete", {"password": DEFAULT_PASSWORD})

    assert page.status_code == 403
    assert "Аккаунт сотрудника здесь удалить нельзя" in page.content.decode()
    assert post.status_code == 403
    assert User.objects.filter(pk=staff.pk).exists()


def test_profile_has_no_delete_link_for_staff(client):
    client.force_login(StaffFactory())

    assert "/profile/delete" not in client.get("/profile").content.decode()


def test_deleted_merchant_can_register_again_with_the_same_email(client, mailoutbox):
    user = UserFactory(email="shop@example.com")
    client.force_login(user)
    client.post("/profile/delete", {"password": DEFAULT_PASSWORD})

    password = "Sunflower-Market-42"
    response = client.post(
        "/register",
        {"email": "shop@example.com", "full_name": "Анна", "phone": "+79001234567"}
        | {"password1": password, "password2": password},
    )

    assert response["Location"] == "/confirm-email"
    assert User.objects.get(email="shop@example.com").status == User.Status.PENDING
