"""Issue #13's browser tests 1–4 and 6: a merchant's journey in Chromium against a live EvoSync, its emulators and a
real worker. Each test makes its own merchant; the steps live in `steps.py`.
"""

import re
from decimal import Decimal

import pytest

from evosync.tests.browser.steps import QUICK_SECONDS, synced_shop

# One xdist group: under `-n 2 --dist loadgroup` (CI) they share one live EvoSync and Chromium on one worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


# ----- 1. visitor → register → mail → confirm → log in ----------------------------------------------------------
def test_1_a_visitor_registers_confirms_by_mail_and_logs_in(owner):
    owner.register()
    owner.assert_says("Подтвердите email")
    owner.confirm_email()
    owner.log_in()
    owner.open("/profile")
    owner.assert_on(r"/profile$")
    owner.assert_says(owner.shop.email)
    owner.shot("profile")


def test_1_a_visitor_at_the_root_sees_a_landing_page_with_a_way_to_register(owner):
    owner.open("/")
    owner.shot("visitor-at-root")
    assert "/login" not in owner.page.url, f"a visitor at / is sent to {owner.page.url}"
    assert owner.page.get_by_role("link", name=re.compile("Регистрац|Зарегистр|Попробовать|Начать")).count()


def test_1_after_confirming_and_logging_in_a_new_merchant_lands_on_the_guided_start(owner):
    owner.sign_up_and_log_in()
    owner.open("/")
    owner.shot("start")
    owner.assert_on(r"/start$")
    owner.assert_says(re.compile("Эвотор"))


# ----- 2. connect, publish, plan, confirm, progress, items in VK ---------------------------------------------------
def test_2_a_wrong_evotor_token_is_refused_at_once(owner):
    owner.sign_up_and_log_in()
    owner.connect_evotor("not-a-real-evotor-token")
    assert not owner.page.get_by_text(re.compile("Токен Эвотора сохранён")).count()
    owner.assert_says(re.compile(r"[Тт]окен.*(не подходит|неверн|не принят|не работает|отклон|недействит)"))


def test_2_the_first_plan_comes_by_itself_with_its_counts_explained(owner):
    owner.sign_up_and_log_in()
    owner.connect_evotor()
    owner.connect_vk()
    owner.wait_for_catalog()
    owner.publish_store(owner.store_names()[0])
    owner.wait_for_plan("/start")  # no "Синхронизировать сейчас" pressed; each choice recomputes it
    text = " ".join(owner.page.locator("main").inner_text().split())  # the numbers are in <strong>s of their own
    assert re.search(r"создадим в VK \d+, свяжем с уже существующими \d+, скроем \d+", text), text[:500]
    assert re.search(r"В VK пойдёт товаров: \d+ из \d+", text), text[:500]
    assert re.search(r"Не пойдут, потому что (их нет в наличии|в Эвоторе они не продаются)", text), text[:500]
    assert owner.page.get_by_role("link", name=re.compile("настройк", re.I)).count(), "no link to the settings"


def test_2_connect_publish_confirm_and_see_the_items_in_vk_catalog_and_in_vk(owner):
    owner.sign_up_and_log_in()
    owner.connect_evotor()
    owner.connect_vk()
    owner.assert_says("VK подключён")
    owner.wait_for_catalog()
    owner.publish_store(owner.store_names()[0])
    owner.sync_now()
    owner.wait_for_plan()
    to_create = int(owner.page.get_by_text(re.compile(r"Создать: \d+")).inner_text().split(":")[1])
    assert to_create > 0
    owner.confirm_plan()
    owner.watch_progress_to_the_end()

    items = owner.vk_items()
    assert len(items) == to_create, f"the plan said {to_create} to create, VK holds {len(items)}"
    album = next(iter(owner.live.vk.shop(owner.shop.group_id).albums.values()))
    owner.open_vk_album(album.title)
    in_album = [i for i in items if album.id in i.album_ids]
    assert in_album, f"no VK item in album {album.title}"
    for item in in_album:
        owner.assert_says(item.title)


def test_2_the_vk_emulator_shows_the_community_shop_as_vk_would(owner):
    owner.live.vk.add_item(owner.shop.group_id, "Чай улун «Горный» 100 г", price="450")
    owner.page.goto(owner.vk_shop_page_url())
    owner.shot("vk-emulator-shop")
    owner.assert_says("Чай улун «Горный» 100 г")
    owner.assert_says(re.compile(r"450"))


# ----- 3. a price changed in Evotor reaches VK -------------------------------------------------------------------
def test_3_a_price_changed_in_evotor_reaches_vk_without_pressing_anything(owner):
    store = synced_shop(owner)
    owner.live.seed("link-evotor", owner.shop.email, owner.shop.evotor_user_id)  # the owner installed our app
    item = owner.vk_items()[0]
    owner.change_price_in_evotor(item.sku, Decimal("1234"))
    owner.evotor_pushes_the_product(owner.store_id(store))
    owner.assert_vk_price_becomes(item.sku, Decimal("1234"))
    owner.open("/sync")
    owner.shot("synced-after-evotor-push")


def test_3_a_price_changed_in_evotor_reaches_vk_with_sync_now(owner):
    synced_shop(owner)
    item = owner.vk_items()[0]
    owner.change_price_in_evotor(item.sku, Decimal("2345"))
    owner.sync_now()
    owner.assert_vk_price_becomes(item.sku, Decimal("2345"), seconds=QUICK_SECONDS)
    owner.shot("synced-after-sync-now")


def test_3_a_sale_at_the_register_reaches_vk(owner):
    synced_shop(owner)
    owner.live.seed("link-evotor", owner.shop.email, owner.shop.evotor_user_id)  # the owner installed our app
    item = next(item for item in owner.vk_items() if not item.hidden)
    left = owner.live.evotor.product(owner.shop.evotor_token, item.sku)["quantity"]
    owner.page.goto(owner.vk_shop_page_url())
    owner.shot("vk-shop-before-the-sale")
    owner.sell_at_the_register(item.sku, left)  # the last ones sold: nothing left to sell in VK
    owner.assert_vk_hides(item.sku)
    owner.page.goto(owner.vk_shop_page_url())
    owner.shot("vk-shop-after-the-sale")
    owner.open("/sync")
    owner.assert_says("Продажи и остатки в Эвоторе")  # the stock run in the history, beside the full syncs
    owner.shot("sync-history-with-the-stock-run")


# ----- 4. the brake --------------------------------------------------------------------------------------------
def test_4_switching_a_store_off_stops_at_the_brake_shows_what_it_would_hide_and_hides_on_confirm(owner):
    store = synced_shop(owner)
    visible = [item for item in owner.vk_items() if not item.hidden]
    owner.unpublish_store(store)
    owner.wait_for_plan()  # the selection change re-reads the catalog and syncs: the brake stops the run
    owner.assert_says(re.compile(rf"Скрыть: {len(visible)}\b"))
    owner.confirm_plan()
    owner.watch_progress_to_the_end()
    assert all(item.hidden for item in owner.vk_items()), "items of the switched-off store are still shown in VK"


# ----- 6. staff suspends the merchant ---------------------------------------------------------------------------
def test_6_staff_suspends_the_merchant_and_the_merchants_open_session_is_gone(owner, browser):
    owner.sign_up_and_log_in()
    owner.open("/connections")
    owner.assert_on(r"/connections$")

    staff = owner.as_staff(browser)
    staff.suspend_in_admin(owner.shop.email)

    owner.open("/connections")
    owner.shot("merchant-after-suspension")
    owner.assert_on(r"/login")


def test_6_the_staff_admin_speaks_russian(owner, browser):
    staff = owner.as_staff(browser)
    staff.open("/admin/")
    staff.shot("admin-index")
    staff.assert_says("EvoSync — администрирование")
    assert not staff.page.get_by_text("Администрирование Django").count()


# ----- issue #15: an order placed in VK appears on the orders page -----------------------------------------------
def test_15_an_order_placed_in_vk_appears_on_the_orders_page(owner):
    from emulators.vk import callbacks

    stop_delivering = callbacks.start_delivery(owner.live.vk)  # VK posting the community's events, as VK does
    try:
        owner.sign_up_and_log_in()
        owner.connect_vk()
        owner.add_community_token()
        owner.set_up_callback()
        owner.live.vk.add_item(owner.shop.group_id, "Чай улун, 100 г", price="350", stock_amount=3)
        owner.order_in_vk_as_a_buyer("Чай улун, 100 г")
        owner.wait_for_order("Чай улун, 100 г")
        owner.assert_says("Новый")
        owner.assert_says(re.compile("не из каталога Эвотор"))  # an item made in VK by hand, not by EvoSync
    finally:
        stop_delivering.set()
