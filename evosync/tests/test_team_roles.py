"""Each team role may do exactly what it should on every merchant URL (issue 16, "Shared access").

The URLconf is walked whole (`isolation_urls.routes`): every page a browser opens is either a page of the
current shop, listed in SHOP_URLS with the least role that may GET it and POST to it, or listed in NOT_SHOP
as the person's own or public. Then, as a viewer, a manager and a co-owner of one shop (members of it, no shop
of their own), every shop URL is requested with the shop's own ids: a role below the least one gets 403, the
others anything but 403 (a POST-only action answers a GET with 405, a bad form with its message).
"""

import pytest
from django.db import transaction
from django.test import Client

from accounts import team_roles
from accounts.tests.factories import TeamInviteFactory, UserFactory, member_of
from catalog.tests.factories import ProductFactory, ProductGroupFactory, StoreFactory
from evosync.tests.isolation_urls import routes
from orders.tests.factories import OrderFactory
from vkshop.tests.factories import VkAlbumFactory
from vksync.tests.factories import ProductLinkFactory, SyncRunFactory

pytestmark = pytest.mark.django_db

VIEWER, MANAGER, OWNER = team_roles.VIEWER, team_roles.MANAGER, team_roles.OWNER
RANK = {VIEWER: 0, MANAGER: 1, OWNER: 2}
PAGE, ACTION, OWNERS = (VIEWER, VIEWER), (MANAGER, MANAGER), (OWNER, OWNER)

# url name -> the least role that may (GET, POST).
SHOP_URLS = {
    "catalog": PAGE,
    "catalog-stores": PAGE,
    "catalog-groups": PAGE,
    "catalog-products": PAGE,
    "catalog-thumbnail": PAGE,
    "catalog-refresh": ACTION,
    "catalog-store-toggle": ACTION,
    "catalog-group-toggle": ACTION,
    "vk_albums": PAGE,
    "vk_album_products": PAGE,
    "vk_refresh": ACTION,
    "sync": PAGE,
    "sync_progress": PAGE,
    "sync_item": PAGE,
    "sync_catalog_export": PAGE,
    "sync_run_report_export": PAGE,
    "sync_now": ACTION,
    "sync_confirm": ACTION,
    "sync_retry_item": ACTION,
    "sync_variants_retry": ACTION,
    "sync_settings": (VIEWER, OWNER),
    "start": PAGE,
    "start_plan": ACTION,
    "start_confirm": ACTION,
    "order_list": PAGE,
    "order_detail": PAGE,
    "orders_export": PAGE,
    "order_change_status": ACTION,
    "profile_history": PAGE,
    "connections": PAGE,
    "evotor-save-token": OWNERS,
    "evotor-disconnect": OWNERS,
    "evotor-test": OWNERS,
    "vk_connection_save": OWNERS,
    "vk_disconnect": OWNERS,
    "vk_connection_test": OWNERS,
    "vk_oauth_start": OWNERS,
    "vk_oauth_callback": OWNERS,
    "vk_community_token_save": OWNERS,
    "vk_community_token_forget": OWNERS,
    "vk_callback_set_up": OWNERS,
    "vk_callback_code": OWNERS,
    "team": OWNERS,
    "team_invite": OWNERS,
    "team_member_role": OWNERS,
    "team_member_remove": OWNERS,
    "team_invite_revoke": OWNERS,
}
# Pages that are no shop's: public, the sign-in flows, the person's own profile, the invitation they open,
# the switcher itself, the landing that sends to the current shop's start, capability links of mails.
NOT_SHOP = {
    "metrics", "favicon", "openapi-json", "openapi-yaml", "swagger-ui", "redoc", "home", "account_signup",
    "account_email_verification_sent", "account_confirm_email", "resend_confirmation", "account_login",
    "account_inactive", "account_logout", "account_reset_password", "account_reset_password_done",
    "account_reset_password_from_key_done", "account_reset_password_from_key", "invite", "invite_link", "profile",
    "profile_edit", "account_change_password", "profile_delete", "team_join", "team_invite_link", "switch_shop",
    "login", "logout", "merchant_home", "evotor-link-request", "evotor-link-decide",
    "notifications_vk_check",  # a test message to the person's own VK account (their notification channel)
}  # fmt: skip


def browser_routes():
    """Every route a browser opens: not the admin, not a machine's endpoint, not allauth's own pages."""
    return [r for r in routes() if not r.is_admin and not r.is_machine_endpoint and not r.text.startswith("accounts/")]


def test_every_page_is_a_shop_page_with_its_least_role_or_no_shops_at_all():
    names = [route.name for route in browser_routes()]

    unlisted = [name for name in names if name not in SHOP_URLS and name not in NOT_SHOP]

    assert not unlisted, f"say which role each new page needs (SHOP_URLS) or why it is no shop's: {unlisted}"
    assert set(SHOP_URLS) <= set(names), "SHOP_URLS names a page that is gone"


@pytest.fixture
def shop():
    return shop_with_one_of_each()


def shop_with_one_of_each() -> dict:
    """A shop with one object of each kind its URLs name, and a member the team pages act on."""
    owner = UserFactory(full_name="Магазин Анны")
    store = StoreFactory(merchant=owner)
    group = ProductGroupFactory(store=store)
    product = ProductFactory(store=store, group=group)
    link = ProductLinkFactory(product=product)
    return {
        "owner": owner,
        "store_id": store.pk,
        "group_id": group.pk,
        "album_id": VkAlbumFactory(merchant=owner).pk,
        "link_id": link.pk,
        "sku": link.sku,
        "run_id": SyncRunFactory(merchant=owner).pk,
        "order_id": OrderFactory(merchant=owner).pk,
        "invite_id": TeamInviteFactory(shop=owner).pk,
        "member_id": member_of(owner, role=VIEWER, email="target@example.com").pk,
        "thumbnail_name": f"{'0' * 64}.webp",
        "kind": "csv",
    }


def answer(user, method: str, url: str) -> int:
    """The status of one request as `user`, its writes rolled back."""
    with transaction.atomic():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        status = getattr(client, method)(url).status_code
        transaction.set_rollback(True)
    return status


@pytest.mark.parametrize("role", [VIEWER, MANAGER, OWNER])
def test_each_role_does_exactly_what_it_may_on_every_shop_url(shop, role):
    person = member_of(shop["owner"], role=role, email=f"{role}@example.com")
    wrong = []

    for route in browser_routes():
        if route.name not in SHOP_URLS:
            continue
        url = route.path({name: shop[name] for name in route.keywords})
        for method, least in zip(("get", "post"), SHOP_URLS[route.name], strict=True):
            status = answer(person, method, url)
            allowed = RANK[role] >= RANK[least]
            if status >= 500 or (status == 403) == allowed:
                wrong.append(f"{method.upper()} {url}: {status} ({'may' if allowed else 'may not'})")

    assert not wrong, f"as «{team_roles.ROLE_NAMES[role]}»:\n" + "\n".join(wrong)


def test_the_menu_shows_the_team_page_to_owners_only(shop):
    viewer = member_of(shop["owner"], role=VIEWER, email="v@example.com")
    client = Client()

    client.force_login(viewer)
    assert 'href="/team"' not in client.get("/sync").content.decode()
    client.force_login(shop["owner"])
    assert 'href="/team"' in client.get("/sync").content.decode()
