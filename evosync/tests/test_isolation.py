"""Isolation: every URL EvoSync serves, requested as merchant A with merchant B's ids, leaves B as B was and
shows A nothing of B's (issue 12, "The suites").

The URLconf is walked whole (every include: the apps, allauth, the admin), so a URL is covered the day it is
added; a keyword the test cannot fill fails it, naming the pattern. Per pattern:

- with object ids (`<int:store_id>`, `<path:object_id>` …): GET and POST as A with B's ids and, where a
  pattern has several, every mix of A's and B's. The answer is 403, 404, 405 or a redirect to a login page.
  The same pattern with A's own ids is the control: it must work, or the refusals prove nothing.
- capability links (`key`, `uidb36`, `token`: the secret in the link is the permission): GET and POST with B's
  id beside a forged secret; any answer below 500.
- without ids: GET (also with B's ids in the query), then POST with the page's own form filled in plus B's
  ids and email under every name a view might read, once per submit button; any answer below 500.
- the admin: as A (role `user`) every admin page but login/logout redirects to the admin login, GET
  and POST. As staff of role `admin`, every admin page answers GET below 500 and the pages of B's objects
  show B's data: staff see every merchant, by design — but never a merchant's token. As staff of role
  `support` assigned to A only, every admin page, GET and POST, shows nothing of B's (A's pages are theirs).
- team members: A's colleague (a co-owner of A's shop through guardian's object permissions, owning no shop
  of their own) makes every merchant request A makes, with the same refusals and controls.
- machine endpoints (csrf-exempt: Evotor's webhooks, authenticated by a secret, not a session): GET only.

After every request (`isolation_probes`): every database row that is not A's (B's and the shared ones) is
as it was, B's community in the VK emulator is untouched, and nothing A got back names B — body, redirect,
flash messages, mails to anyone but B, queued tasks. Each request is rolled back afterwards, with the work it
queued on commit run inside it, so no request's effects hide another's. Last, every page A can GET is
rendered again with B and all B's rows gone: it must not change (a count or a total that includes B's rows
is a leak no marker would show). ISOLATION_LOG=<file> writes every request and its answer.
"""

import itertools

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.urls import path
from django.utils.http import int_to_base36

from accounts.models import TeamInvite
from catalog.models import ProductGroup, Store
from connections.models import VkConnection
from evosync.tests.isolation_probes import Probes
from evosync.tests.isolation_urls import CannotFill, Route, routes
from evosync.tests.isolation_world import (
    A_PASSWORD,
    B_PASSWORD,
    World,
    build_merchant_world,
    build_service_rows,
    staff_member,
    support_member,
)
from orders.models import Order
from vkshop.models import VkAlbum
from vksync.models import ProductLink, SyncRun

pytestmark = pytest.mark.django_db

# Keywords naming a merchant's object, and the object: B's in the probes, A's in the controls.
OBJECT_IDS = {
    "store_id": lambda world: world.row(Store).pk,
    "group_id": lambda world: world.row(ProductGroup).pk,
    "album_id": lambda world: world.row(VkAlbum).pk,
    "link_id": lambda world: world.row(ProductLink).pk,
    "run_id": lambda world: world.row(SyncRun).pk,
    "sku": lambda world: world.row(ProductLink).sku,
    "store_uuid": lambda world: world.row(Store).evotor_id,
    "order_id": lambda world: world.row(Order).pk,
    "member_id": lambda world: world.colleague.pk,  # a member of the world's shop's team
    "invite_id": lambda world: world.row(TeamInvite).pk,
}
# Keywords whose value is a secret that is itself the permission: B's id beside a forged secret.
CAPABILITIES = {
    "key": lambda world: signing.dumps(world.merchant.pk, salt="forged"),
    "uidb36": lambda world: int_to_base36(world.merchant.pk),
    "token": lambda world: "forged-token-00000000000000000000",
    # A product thumbnail is named by the sha256 of the picture: knowing the name means holding the picture.
    "thumbnail_name": lambda world: f"{'0' * 64}.webp",
    # VK's Callback API address of a community: the path is the connection's own, checked with its secret.
    "path": lambda world: world.row(VkConnection).callback_path,
}
# Keywords that name no object: one fixed value.
STRUCTURAL = {"app_label": "catalog", "url": "no-such-page/", "kind": "csv"}
ADMIN_PUBLIC = {"login", "logout"}  # admin pages a logged-in non-staff user may see


def keyword_values(route: Route, world: World, service_rows: dict) -> dict:
    """The value of each keyword of `route`, naming `world`'s objects; CannotFill for an unknown keyword."""
    values = {}
    for name in route.keywords:
        if name in STRUCTURAL:
            values[name] = STRUCTURAL[name]
        elif name in CAPABILITIES:
            values[name] = CAPABILITIES[name](world)
        elif route.is_admin and name == "content_type_id":
            values[name] = ContentType.objects.get_for_model(Store).pk
        elif route.is_admin and name == "object_id" and not route.admin_model:  # admin/r/<ct>/<id>/
            values[name] = world.row(Store).pk
        elif route.is_admin and name in ("object_id", "id"):
            model = route.admin_model
            row = world.rows.get(model) or service_rows.get(model)
            if row is None:
                raise CannotFill(f"{route.text}: the isolation world has no {model.__name__} to point at")
            values[name] = row.pk
        elif name in OBJECT_IDS:
            values[name] = OBJECT_IDS[name](world)
        else:
            raise CannotFill(f"{route.text}: unknown keyword {name!r} (teach the isolation test what it names)")
    return values


def object_keywords(route: Route) -> list[str]:
    return [name for name in route.keywords if name not in STRUCTURAL and name not in CAPABILITIES]


def b_ids(b: World) -> dict:
    """B's ids under every name a view might read from a query string or a form."""
    return {
        "id": b.merchant.pk,
        "pk": b.merchant.pk,
        "merchant": b.merchant.pk,
        "merchant_id": b.merchant.pk,
        "user": b.merchant.pk,
        "user_id": b.merchant.pk,
        "store": b.row(Store).pk,
        "store_id": b.row(Store).pk,
        "group": b.row(ProductGroup).pk,
        "album": b.row(VkAlbum).pk,
        "album_id": b.row(VkAlbum).pk,
        "link": b.row(ProductLink).pk,
        "link_id": b.row(ProductLink).pk,
        "sku": b.row(ProductLink).sku,
        "run": b.row(SyncRun).pk,
        "run_id": b.row(SyncRun).pk,
        "order": b.row(Order).pk,
        "order_id": b.row(Order).pk,
        "group_id": b.community_id,
        "community": str(b.community_id),
    }


def bait(a: World, b: World) -> dict:
    """POST fields: B's ids and B's email under every name a view might read, and A's own secrets where a
    form needs them (A saving their token with B's community, A deleting their account, …)."""
    b_email = {"email": b.merchant.email, "login": b.merchant.email, "username": b.merchant.email}
    a_secrets = {
        "password": a.password,
        "oldpassword": a.password,
        "password1": "aqx-new-password-5531",
        "password2": "aqx-new-password-5531",
        "token": a.evotor_token,
        "access_token": a.vk_token,
    }
    return {**b_ids(b), **b_email, **a_secrets, "enabled": "1", "next": "/sync"}


@pytest.fixture(params=["own communities", "one community"])
def worlds(request, evotor_emulator, vk_emulator, settings):
    """A and B, each with their own VK community; or both administering one (the case of issue 12, finding 3)."""
    settings.ACCOUNT_RATE_LIMITS = False  # allauth's limits key on 127.0.0.1: every probe comes from there
    common = {"evotor": evotor_emulator, "vk": vk_emulator}
    b_community = 7101 if request.param == "one community" else 7102
    a = build_merchant_world(
        tag="aqx", password=A_PASSWORD, evotor_user_no=61, vk_user_id=601, community_id=7101, **common
    )
    b = build_merchant_world(
        tag="bzq", password=B_PASSWORD, evotor_user_no=62, vk_user_id=602, community_id=b_community, **common
    )
    service_rows = {type(row): row for row in build_service_rows(tag="bzq")}
    return request.param, a, b, service_rows


def test_no_url_lets_merchant_a_reach_merchant_b(worlds, vk_emulator, record_property):
    case, a, b, service_rows = worlds
    staff = staff_member()
    support = support_member(of=a.merchant)
    probes = Probes(a=a, b=b, vk_emulator=vk_emulator, staff=staff, support=support)
    all_routes = list(routes())
    unfillable, uncontrolled, a_pages = [], [], []

    for route in all_routes:
        try:
            b_values = keyword_values(route, b, service_rows)
            a_values = keyword_values(route, a, service_rows)
            b_url = route.path(b_values)
        except CannotFill as error:
            unfillable.append(str(error))
            continue
        if route.is_machine_endpoint:
            probes.send(a.merchant, "GET", b_url, None, route, "any")
        elif route.is_admin:
            expect = "any" if route.name in ADMIN_PUBLIC else "admin-login"
            page = probes.send(a.merchant, "GET", b_url, None, route, expect)
            probes.send(a.merchant, "POST", b_url, {**page.get("form", {}), **bait(a, b)}, route, expect)
            b_page = (route.name or "").endswith("_change") and route.admin_model in b.rows
            probes.send(staff, "GET", b_url, None, route, "staff-sees-b" if b_page else "staff")
            # Support staff of A's: B's pages show nothing of B's, as for A (markers checked in every answer).
            page = probes.send(support, "GET", b_url, None, route, "any")
            probes.send(support, "POST", b_url, {**page.get("form", {}), **bait(a, b)}, route, "any")
        else:
            # A, and A's colleague (a co-owner of A's shop, owning none): the same rights, the same refusals.
            for person in (a.merchant, a.colleague):
                pages = probe_merchant_route(probes, person, route, a, b, a_values, b_values, uncontrolled)
                if person is a.merchant:
                    a_pages += pages

    user_page = next(route for route in all_routes if route.name == "accounts_user_change")
    supported = probes.send(support, "GET", f"/admin/accounts/user/{a.merchant.pk}/change/", None, user_page, "any")
    if supported.get("status") != 200:
        uncontrolled.append(f"support staff cannot open their own merchant A's admin page ({supported})")
    probes.leaks += [f"after every request: {change}" for change in probes.changes()]
    probes.leaks += probes.pages_depending_on_b(a_pages)
    summary = (
        f"isolation ({case}): {len(all_routes)} patterns, {probes.requests} requests, {len(probes.leaks)} leaks, "
        f"{len(probes.errors)} errors; staff saw B's data on {probes.b_seen_by_staff} admin pages (by design)"
    )
    record_property("figures", summary)
    probes.write_log()
    assert not unfillable, "\n".join(unfillable)
    assert not probes.leaks, "\n".join(probes.leaks)
    assert not probes.errors, "\n".join(probes.errors)
    assert not uncontrolled, "\n".join(uncontrolled)
    assert not probes.staff_blind, "staff see every merchant's objects in the admin:\n" + "\n".join(probes.staff_blind)


def probe_merchant_route(probes, person, route, a, b, a_values, b_values, uncontrolled) -> list[str]:
    """A merchant page or action requested by `person` of A's shop with B's ids (and every mix), and with A's
    as the control; the pages A's person can GET are returned for the check without B."""
    ids = object_keywords(route)
    if ids:
        for mix in itertools.product((a_values, b_values), repeat=len(ids)):
            if all(values is a_values for values in mix):
                continue
            url = route.path({**b_values, **{name: values[name] for name, values in zip(ids, mix, strict=True)}})
            probes.send(person, "GET", url, None, route, "refused")
            probes.send(person, "POST", url, bait(a, b), route, "refused")
        own_url = route.path(a_values)
        own = [
            probes.send(person, "GET", own_url, None, route, "works"),
            probes.send(person, "POST", own_url, bait(a, b), route, "works"),
        ]
        probes.send(person, "GET", own_url, b_ids(b), route, "any")  # A's page, B's ids in the query
        if not any(o and o["status"] not in (403, 404, 405) and "login" not in o["location"] for o in own):
            uncontrolled.append(f"{route.text}: {person.email}'s own {own_url} does not work either ({own})")
        return [own_url]
    b_url = route.path(b_values)
    page = probes.send(person, "GET", b_url, None, route, "any")
    form = page.get("form", {})
    probes.send(person, "GET", b_url, b_ids(b), route, "any")  # B's ids in the query
    probes.send(person, "POST", b_url, {**bait(a, b), **form}, route, "any")  # the form as shown
    if form.keys() & bait(a, b).keys():  # and with B's values in the form's own fields
        probes.send(person, "POST", b_url, {**form, **bait(a, b)}, route, "any")
    for name, value in page.get("buttons", []):  # each submit button pressed, B's values in the fields
        probes.send(person, "POST", b_url, {**form, **bait(a, b), name: value}, route, "any")
    return [b_url]


def test_a_pattern_with_an_unknown_keyword_fails_the_isolation_test():
    route = Route(chain=(path("widgets/<int:widget_id>", lambda request: None).pattern,), pattern=None)

    nobody = World(tag="x", merchant=None, password="", evotor_token="", vk_token="", community_id=0)

    with pytest.raises(CannotFill, match="widget_id"):
        keyword_values(route, nobody, {})
