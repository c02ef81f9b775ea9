"""What stops the orders or the merchant's VK messages is shown on the merchant's pages, in Russian, with what to
do — not only in the logs — and cleared once it works again: VK refusing the orders poll because the community's
extended market is off (error 1409), and VK refusing a message the merchant has not allowed (error 901)."""

from accounts.models import User
from emulators.vk import orders
from emulators.vk.fixtures import TEST_GROUP_ID, TEST_USER_ID
from orders import tasks
from orders.models import Order, OrdersAccess
from orders.tests.conftest import BUYER_ID

EXTENDED_MARKET = "не включён расширенный режим товаров"
NOT_ALLOWED = "Вы не разрешили сообществу присылать вам сообщения"


def test_vk_refusing_the_orders_poll_for_the_extended_market_is_shown_on_the_orders_page_until_it_works(
    shop, client, django_capture_on_commit_callbacks
):
    shop.vk.communities[TEST_GROUP_ID].extended_market = False
    assert tasks.poll_orders(shop.merchant.pk) == 0  # not an error of the worker's: the merchant's to fix
    page = client.get("/orders").content.decode()
    assert 'id="orders-problem"' in page and EXTENDED_MARKET in page and "«Расширенный»" in page
    assert OrdersAccess.objects.get(merchant=shop.merchant).problem_code == 1409

    shop.vk.communities[TEST_GROUP_ID].extended_market = True  # the merchant switched it on in VK
    orders.place_order(shop.vk, TEST_GROUP_ID, BUYER_ID, [(shop.mapped_item, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.poll_orders(shop.merchant.pk) == 1
    page = client.get("/orders").content.decode()
    assert EXTENDED_MARKET not in page and 'id="orders-problem"' not in page
    assert Order.objects.filter(merchant=shop.merchant).count() == 1


def test_another_merchants_orders_problem_is_not_shown(shop, client):
    from accounts.tests.factories import UserFactory

    other = UserFactory()
    OrdersAccess.objects.create(merchant=other, problem="чужая беда", problem_code=1409)
    assert "чужая беда" not in client.get("/orders").content.decode()


def test_a_vk_message_the_merchant_has_not_allowed_is_shown_on_the_profile_and_the_orders_page_until_one_goes_through(
    shop, client, mailoutbox, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=shop.merchant.pk).update(notify_by_mail=True, notify_by_vk=True)
    shop.vk.communities[TEST_GROUP_ID].messages_allowed.clear()
    orders.place_order(shop.vk, TEST_GROUP_ID, BUYER_ID, [(shop.mapped_item, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        tasks.poll_orders(shop.merchant.pk)
    assert [mail.subject for mail in mailoutbox if "Новый заказ" in mail.subject]  # the mail went
    profile = client.get("/profile").content.decode()
    assert "Сообщения VK не дойдут" in profile and NOT_ALLOWED in profile and "Проверить сообщения VK" in profile
    listing = client.get("/orders").content.decode()
    assert 'id="vk-messages-problem"' in listing and NOT_ALLOWED in listing

    with django_capture_on_commit_callbacks(execute=True):  # checked before allowing: still refused
        client.post("/notifications/vk-check", {"next": "/profile"})
    assert NOT_ALLOWED in client.get("/profile").content.decode()

    shop.vk.communities[TEST_GROUP_ID].messages_allowed.add(TEST_USER_ID)  # «Разрешить сообщения» in VK
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/notifications/vk-check", {"next": "/orders"})
    assert answer.status_code == 302 and answer.url == "/orders"
    listing = client.get("/orders").content.decode()
    assert "Проверочное сообщение отправлено" in listing and NOT_ALLOWED not in listing
    assert NOT_ALLOWED not in client.get("/profile").content.decode()
    assert "Сообщения от сообщества до вас доходят" in shop.vk.communities[TEST_GROUP_ID].messages[-1].text
