"""Every form a merchant (or a visitor) can post, fed absurd values field by field: never a 5xx (issue 12, finding 4).

The forms: `grep -rn "forms.Form\\|ModelForm" --include=*.py` (the admin's staff-only role form aside), allauth's
sign-up, login and password pages, the catalog switches and the GET filters of the list pages. A form added later
belongs in FORMS below.
"""

import pytest
from django.core.cache import cache

from accounts.tests.factories import DEFAULT_PASSWORD, InviteFactory, UserFactory
from catalog.tests.factories import ProductGroupFactory, StoreFactory
from vksync.tests.helpers import SETTINGS_FORM

pytestmark = pytest.mark.django_db

ABSURD = [
    "2147483647",
    "-2147483648",
    "9223372036854775808",
    "9" * 400,
    "-1",
    "0",
    "1e309",
    "NaN",
    "-Infinity",
    "0x10",
    "²",
    "¹²³",
    "١٢٣",
    "",
    "   ",
    "\x00",
    "x" * 100_000,
    "{",
    "{description",
    "{0.__class__}",
    "%s%n",
    "<script>alert(1)</script>",
    "🙂" * 300,
    "../../etc/passwd",
    "//evil.example",
]

SYNC_SETTINGS = SETTINGS_FORM | {
    "old_price_markup_percent": "",
    "unavailable_if_no_stock": "on",
    "unavailable_action": "delete",
}
PASSWORDS = {"password1": "New-horse-battery-77", "password2": "New-horse-battery-77"}

# path → the valid data the absurd values are put into, one field at a time (and all at once)
FORMS = {
    "/sync/settings": SYNC_SETTINGS,
    "/connections/vk": {"access_token": "vk-test-user-token", "community": "evoshop"},
    "/connections/vk/oauth/start": {"community": "evoshop"},
    "/connections/evotor": {"token": "evotor-token"},
    "/profile/edit": {"full_name": "Иван Петров", "phone": "+7 900 123-45-67", "language": "ru"},
    "/profile/change-password": {"oldpassword": DEFAULT_PASSWORD, **PASSWORDS},
    "/profile/delete": {"password": "wrong"},
    "/catalog/stores/{store}/toggle": {"enabled": "1", "next": "/catalog/stores"},
    "/catalog/stores/{store}/groups/{group}/toggle": {"enabled": "0", "next": "/catalog/stores"},
    "/start/plan": {"next": "/start"},
    "/start/confirm": {"next": "/start"},
}
VISITOR_FORMS = {
    "/register": {"email": "new@example.com", "full_name": "Новый", "phone": "+7 900 000-00-00", **PASSWORDS},
    "/login": {"login": "someone@example.com", "password": "wrong"},
    "/forgot-password": {"email": "someone@example.com"},
    "/resend-confirm": {"email": "someone@example.com"},
    "/invite": {"full_name": "Приглашённый", "phone": "", **PASSWORDS},
}
# GET filters of the merchant's list pages
QUERIES = {
    "/catalog/stores/{store}/products": {"q": "чай", "group": "{group}", "page": "1", "removed": "1"},
    "/catalog/stores/{store}/groups": {"page": "1"},
    "/vk-catalog/albums": {"page": "1", "q": "чай"},
    "/vk-catalog/albums/0/products": {"page": "1"},
    "/sync": {"page": "1"},
}


@pytest.fixture
def world(request, client, settings, tmp_path):
    if "vk" in request.node.name or "start" in request.node.name:
        request.getfixturevalue("vk_emulator")
    if "evotor" in request.node.name or "start" in request.node.name:
        request.getfixturevalue("evotor_emulator")  # a pasted token is checked with Evotor before it is saved
    settings.MEDIA_ROOT = tmp_path
    settings.ACCOUNT_RATE_LIMITS = False
    settings.AXES_ENABLED = False
    cache.clear()
    merchant = UserFactory()
    store = StoreFactory(merchant=merchant)
    group = ProductGroupFactory(store=store)
    client.force_login(merchant)
    return {"store": store.pk, "group": group.pk, "merchant": merchant}


# Put into each field alone; the whole of ABSURD goes into all fields at once.
EACH_FIELD = ["2147483647", "9" * 400, "-1", "1e309", "NaN", "²", "١٢٣", "", "\x00", "x" * 100_000, "{0.__class__}"]


def variants(data: dict, field: str | None):
    if field is None:
        return [dict.fromkeys(data, value) for value in ABSURD]
    return [data | {field: value} for value in EACH_FIELD]


def cases(forms: dict):
    return [(path, field) for path, data in forms.items() for field in [None, *data]]


def check(response, path, data):
    assert response.status_code < 500, f"{response.status_code} from {path} with {str(data)[:300]}"


@pytest.mark.parametrize("path, field", cases(FORMS))
def test_merchant_forms_never_answer_5xx(client, world, path, field):
    url = path.format(**world)
    for data in variants(FORMS[path], field):
        client.force_login(world["merchant"])  # /profile/delete may have succeeded
        check(client.post(url, data), url, data)


@pytest.mark.parametrize("field", ["category_id", "group_category"])
def test_sync_settings_with_vk_categories_never_answer_5xx(client, world, field):
    cache.set("vksync:categories", [("Еда", [(401, "Чай"), (402, "Кофе")]), (1, "Прочее")])
    evotor_id = ProductGroupFactory._meta.model.objects.get(pk=world["group"]).evotor_id
    StoreFactory._meta.model.objects.filter(pk=world["store"]).update(sync_enabled=True)
    field = f"group_category_{evotor_id}" if field == "group_category" else field
    for variant in variants(SYNC_SETTINGS | {f"group_category_{evotor_id}": "402"}, field):
        check(client.post("/sync/settings", variant), "/sync/settings", variant)


@pytest.mark.parametrize("picture", [b"", b"not a picture", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, b"GIF89a" * 10])
def test_default_photo_upload_of_anything_never_answers_5xx(client, world, picture):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("photo.png", picture, content_type="image/png")
    response = client.post("/sync/settings", SYNC_SETTINGS | {"default_photo": upload})
    check(response, "/sync/settings", {"default_photo": picture[:20]})


@pytest.mark.parametrize("path, field", cases(VISITOR_FORMS))
def test_visitor_forms_never_answer_5xx(client, world, path, field):
    for data in variants(VISITOR_FORMS[path], field):
        client.logout()
        if path == "/invite":
            client.get(f"/invite/{InviteFactory().token}")
        check(client.post(path, data), path, data)


@pytest.mark.parametrize("path, field", cases(QUERIES))
def test_list_page_filters_never_answer_5xx(client, world, path, field):
    url = path.format(**world)
    query = {name: value.format(**world) for name, value in QUERIES[path].items()}
    for data in variants(query, field):
        check(client.get(url, data), url, data)


@pytest.mark.parametrize("token", ["²", "x" * 5000, "%00", "..", "🙂"])
def test_invite_and_reset_links_with_odd_tokens_never_answer_5xx(client, world, token):
    client.logout()
    for url in (f"/invite/{token}", f"/reset-password/{token}-{token}", f"/confirm-email/{token}"):
        check(client.get(url, follow=True), url, {})
