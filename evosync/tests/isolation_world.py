"""Two merchants' worlds for the isolation test: one of every object a merchant owns, each name marked.

Merchant B's text fields carry the tag `bzq`, so a page that shows B's data to A is found by looking for
B's markers in what A got back. Both merchants are wired to the emulators (their own Evotor account, VK
user and community), so the work a request queues runs for real.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from accounts import roles, team_roles
from accounts.models import User
from accounts.services import set_role
from accounts.support import assign_support
from accounts.tests.factories import InviteFactory, TeamInviteFactory, UserFactory, member_of
from audit.models import AuditEvent
from catalog.models import CatalogRead
from catalog.tests.factories import (
    CatalogReadFactory,
    ProductFactory,
    ProductGroupFactory,
    StockRecheckFactory,
    StoreFactory,
)
from connections.tests.factories import EvotorConnectionFactory, VkConnectionFactory
from notifications.tests.factories import NoticeFactory
from orders.tests.factories import CallbackEventFactory, OrderFactory, OrderItemFactory, OrdersAccessFactory
from vkshop.tests.factories import VkAlbumFactory, VkItemFactory, put_in_album
from vksync.models import ProductLink, SyncRun
from vksync.tests.factories import (
    AlbumLinkFactory,
    CommunityVariantsFactory,
    ProductLinkFactory,
    SyncItemErrorFactory,
    SyncRunFactory,
    SyncSettingsFactory,
    VariantCardFactory,
    VkPropertyValueFactory,
)
from webhooks import mails
from webhooks.tests.factories import (
    EvotorLinkRequestFactory,
    EvotorSubscriptionFactory,
    EvotorUserLockFactory,
    WebhookEventFactory,
)

A_PASSWORD = "aqx-own-password-4471"
B_PASSWORD = "bzq-own-password-9183"


@dataclass
class World:
    """One merchant and one object of each kind they own; `markers` are B's texts A must never see, `secrets`
    (tokens) the ones nobody sees, staff included."""

    tag: str
    merchant: User
    password: str
    evotor_token: str
    vk_token: str
    community_id: int
    rows: dict[type[models.Model], models.Model] = field(default_factory=dict)
    markers: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    colleague: User | None = None  # a co-owner of the shop, in its team (owning no shop of their own)

    def row(self, model: type[models.Model]) -> models.Model:
        """This merchant's object of that kind."""
        return self.rows[model]


def build_merchant_world(
    *, tag: str, password: str, evotor, vk, evotor_user_no: int, vk_user_id: int, community_id: int
) -> World:
    """A merchant with both connections working (on the emulators), a catalog, a VK shop cache and sync records.

    A community already in the emulator is shared: this merchant's VK user becomes one more of its admins."""
    email = f"{tag}-merchant@example.com"
    evotor_token = f"{tag}-evotor-token-secret"
    vk_token = f"{tag}-vk-token-secret"
    evotor_user_id = f"01-{evotor_user_no:015d}"
    evotor.add_merchant(token=evotor_token, user_id=evotor_user_id, seed=evotor_user_no, stores=1, groups=2, products=6)
    vk.add_user(token=vk_token, user_id=vk_user_id, name=f"{tag} vk-user")
    if community_id in vk.communities:
        vk.communities[community_id].admins.add(vk_user_id)
    else:
        vk.add_community(group_id=community_id, name=f"{tag} community", screen_name=f"{tag}shop", admins=[vk_user_id])
    vk_item_in_vk = vk.add_item(community_id, f"{tag}-item-in-vk", sku=f"{tag}-sku")

    merchant = UserFactory(email=email, full_name=f"{tag} merchant-name", phone="+79990000000", password=password)
    set_role(user=merchant, role=roles.USER)
    evotor_connection = EvotorConnectionFactory(
        merchant=merchant, token=evotor_token, evotor_user_id=evotor_user_id, status="ok"
    )
    vk_connection = VkConnectionFactory(
        merchant=merchant,
        access_token=vk_token,
        refresh_token=f"{tag}-vk-refresh-secret",
        vk_user_id=vk_user_id,
        vk_user_name=f"{tag} vk-user",
        group_id=community_id,
        group_name=f"{tag} community",
        group_screen_name=f"{tag}shop",
        community_token=f"{tag}-community-token-secret",
        callback_path=f"{tag}-callback-path",
        callback_secret=f"{tag}-callback-key",
        callback_confirmation=f"{tag}-confirm",
    )
    vk.add_community_token(f"{tag}-community-token-secret", community_id)
    store = StoreFactory(merchant=merchant, evotor_id=f"{tag}-store-evotor-id", name=f"{tag}-store")
    group = ProductGroupFactory(store=store, evotor_id=f"{tag}-group-evotor-id", name=f"{tag}-group")
    product = ProductFactory(
        store=store,
        group=group,
        evotor_id=f"{tag}-product-evotor-id",
        name=f"{tag}-product",
        code=f"{tag}-code",
        barcodes=[f"{tag}-barcode"],
        description=f"{tag}-product-description",
    )
    # A receipt moved the product's stock: it waits for the next stock recheck.
    recheck = StockRecheckFactory(
        merchant=merchant, store_evotor_id=store.evotor_id, product_evotor_id=product.evotor_id
    )
    # A catalog read cut at a task's deadline long ago, whose next task never came (stale: no sync waits for it).
    catalog_read = CatalogReadFactory(merchant=merchant, store_evotor_id=store.evotor_id, seen=[product.evotor_id])
    CatalogRead.objects.filter(pk=catalog_read.pk).update(updated_at=timezone.now() - timedelta(days=1))
    album = VkAlbumFactory(merchant=merchant, group_id=community_id, vk_id=1, title=f"{tag}-album")
    item = VkItemFactory(
        merchant=merchant,
        group_id=community_id,
        vk_id=vk_item_in_vk,
        title=f"{tag}-item",
        description=f"{tag}-item-description",
        sku=product.evotor_id,
        reject_info={"title": f"{tag}-rejected", "description": f"{tag}-reject-reason"},
    )
    in_album = put_in_album(item, album)
    settings = SyncSettingsFactory(merchant=merchant, description_template=f"{tag}-template {{description}}")
    link = ProductLinkFactory(
        product=product,
        group_id=community_id,
        vk_item_id=item.vk_id,
        state=ProductLink.State.FAILED,
        last_error=f"{tag}-link-error",
        last_error_code=100,
    )
    album_link = AlbumLinkFactory(
        merchant=merchant,
        group_evotor_id=group.evotor_id,
        group_id=community_id,
        vk_album_id=album.vk_id,
        pushed_title=f"{tag}-album",
    )
    failed_run = SyncRunFactory(
        merchant=merchant, status=SyncRun.Status.FAILED, error=f"{tag}-run-error", finished_at=timezone.now()
    )
    # The latest run waits for the merchant's confirmation: another merchant's "confirm" must not start it.
    waiting_run = SyncRunFactory(
        merchant=merchant,
        status=SyncRun.Status.NEEDS_CONFIRMATION,
        plan_summary={"hide": 3, "note": f"{tag}-plan"},
        progress={"items": {"done": 1, "total": 2, "note": f"{tag}-progress"}},
    )
    item_error = SyncItemErrorFactory(
        run=failed_run, link=link, product_name=f"{tag}-product", reason=f"{tag}-item-error"
    )
    # VK refused variants in B's community, and one of B's cards: A's "try again" must not touch them.
    refusal = CommunityVariantsFactory(merchant=merchant, group_id=community_id, reason=f"{tag}-variants-refused")
    card = VariantCardFactory(
        merchant=merchant, group_id=community_id, title=f"{tag}-card", separate=True, reason=f"{tag}-card-refused"
    )
    value = VkPropertyValueFactory(
        property__merchant=merchant, property__group_id=community_id, property__title=f"{tag}-property"
    )
    event = WebhookEventFactory(evotor_user_id=evotor_user_id, payload={"note": f"{tag}-payload"})
    subscription = EvotorSubscriptionFactory(subscription_id=f"{tag}-subscription", evotor_user_id=evotor_user_id)
    # Another Evotor user asks to be linked to this account; the owner has not answered the mailed link yet.
    link_request = EvotorLinkRequestFactory(
        merchant=merchant,
        evotor_user_id=f"{tag}-asking-evotor-user",
        token_hash=mails.hash_token(f"{tag}-link-request-token"),
    )
    order = OrderFactory(merchant=merchant, group_id=community_id, comment=f"{tag}-order-comment")
    order_item = OrderItemFactory(order=order, vk_item_id=item.vk_id, title=f"{tag}-ordered", product=product)
    callback_event = CallbackEventFactory(merchant=merchant, group_id=community_id, payload={"note": f"{tag}-event"})
    orders_access = OrdersAccessFactory(merchant=merchant, problem=f"{tag}-orders-problem")
    notice = NoticeFactory(merchant=merchant, subject=f"{tag}-notice", text=f"{tag}-notice-text")
    user_lock = EvotorUserLockFactory(evotor_user_id=f"{tag}-locked-user")
    invite = InviteFactory(email=f"{tag}-invited@example.com", token=f"{tag}-invite-token-abcdefghijklmnop")
    colleague = member_of(merchant, role=team_roles.OWNER, email=f"{tag}-colleague@example.com", password=password)
    team_invite = TeamInviteFactory(shop=merchant, email=f"{tag}-teammate@example.com", invited_by=merchant)
    attempt = {"username": email, "ip_address": "10.0.0.2", "user_agent": f"{tag}-agent", "path_info": "/login"}
    rows = [
        merchant,
        EmailAddress.objects.get(user=merchant),
        evotor_connection,
        vk_connection,
        store,
        group,
        product,
        recheck,
        catalog_read,
        album,
        item,
        in_album,
        settings,
        link,
        album_link,
        failed_run,
        waiting_run,  # the latest run: the one `rows` keeps for SyncRun
        item_error,
        refusal,
        card,
        value.property,
        value,
        event,
        subscription,
        link_request,
        order,
        order_item,
        callback_event,
        orders_access,
        notice,
        user_lock,
        invite,
        team_invite,
        AuditEvent.objects.filter(merchant=merchant).latest(),  # the trail about this merchant
        AccessAttempt.objects.create(**attempt, http_accept="*/*", get_data="", post_data="", failures_since_start=1),
        AccessLog.objects.create(**attempt, http_accept="*/*"),
        AccessFailureLog.objects.create(**attempt, http_accept="*/*"),
    ]
    secrets = [evotor_token, vk_token, f"{tag}-vk-refresh-secret", f"{tag}-community-token-secret"]
    markers = [
        *secrets,
        email,
        f"{tag} merchant-name",
        evotor_user_id,
        f"{tag} vk-user",
        f"{tag} community",
        f"{tag}shop",
        f"{tag}-store",
        f"{tag}-group",
        f"{tag}-product",
        f"{tag}-code",
        f"{tag}-barcode",
        f"{tag}-album",
        f"{tag}-item",
        f"{tag}-rejected",
        f"{tag}-template",
        f"{tag}-link-error",
        f"{tag}-run-error",
        f"{tag}-plan",
        f"{tag}-progress",
        f"{tag}-item-error",
        f"{tag}-payload",
        f"{tag}-subscription",
        f"{tag}-asking-evotor-user",
        f"{tag}-link-request-token",
        f"{tag}-invited@example.com",
        f"{tag}-invite-token",
        f"{tag}-callback-path",
        f"{tag}-callback-key",
        f"{tag}-confirm",
        f"{tag}-order-comment",
        f"{tag}-ordered",
        f"{tag}-orders-problem",
        f"{tag}-event",
        f"{tag}-notice",
        f"{tag}-colleague@example.com",
        f"{tag}-teammate@example.com",
    ]
    world = World(
        tag=tag,
        merchant=merchant,
        password=password,
        evotor_token=evotor_token,
        vk_token=vk_token,
        community_id=community_id,
        rows={type(row): row for row in rows},
        markers=markers,
        secrets=secrets,
        colleague=colleague,
    )
    return world


def build_service_rows(*, tag: str) -> list[models.Model]:
    """What only staff see, so that every admin page has a real object to point at: schedules, a staff user."""
    interval = IntervalSchedule.objects.create(every=3, period=IntervalSchedule.HOURS)
    return [
        interval,
        CrontabSchedule.objects.create(minute="7", hour="3"),
        SolarSchedule.objects.create(event="sunrise", latitude=55.75, longitude=37.62),
        ClockedSchedule.objects.create(clocked_time=timezone.now() + timedelta(days=1)),
        PeriodicTask.objects.create(name=f"{tag}-periodic-task", task="vksync.sync_all_shops", interval=interval),
        Group.objects.get(name=roles.ADMIN),
    ]


def staff_member() -> User:
    """A staff member of role `admin`: runs the service from the admin, and sees every merchant there."""
    staff = UserFactory(staff=True, email="staff-isolation@evosync.local")
    return set_role(user=staff, role=roles.ADMIN)


def support_member(*, of: User) -> User:
    """A staff member of role `support` looking after `of` only: in the admin, they see that merchant alone."""
    helper = set_role(user=UserFactory(staff=True, email="support-isolation@evosync.local"), role=roles.SUPPORT)
    assign_support(merchant=of, staff=[helper])
    return helper
