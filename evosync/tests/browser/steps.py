"""The merchant's steps in the browser, one small function each, by what the merchant sees: roles, labels, URLs.

When a page changes its wording, fix the step here; the tests read as the journey. Every step ends with a
screenshot in test-artifacts/<test>/ (`Merchant.shot`).
"""

import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import requests
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from evosync.tests.browser.harness import LiveEvoSync, Shop

SYNC_SECONDS = 60  # the longest a step waits for the worker (a first sync of this size takes a few seconds)
QUICK_SECONDS = 15  # the longest a step waits for what should follow by itself within seconds


@dataclass
class Window:
    """A browser window on the live EvoSync; its screenshots are numbered in one folder per test."""

    page: Page
    live: LiveEvoSync
    artifacts: Path
    shots: list = field(default_factory=list)

    # ----- looking -----------------------------------------------------------------------------------
    def open(self, path: str) -> None:
        self.page.goto(self.live.url + path)

    def shot(self, name: str) -> Path:
        path = self.artifacts / f"{len(self.shots) + 1:02d}-{name}.png"
        self.page.screenshot(path=path, full_page=True)
        self.shots.append(path)
        return path

    def press(self, button) -> None:
        """Press a button that sends a form, or follow a link, and wait for the page it leads to."""
        with self.page.expect_navigation():
            button.click()

    def field(self, label):
        """The field labelled `label`, its folded <details> opened first when it is inside one."""
        found = self.page.get_by_label(label)
        if not found.first.is_visible():
            self.page.locator("details", has=found).locator("summary").first.click()
        return found.first

    def assert_on(self, url_pattern: str) -> None:
        """The window shows a URL matching `url_pattern` (waiting for a redirect to land)."""
        expect(self.page).to_have_url(re.compile(url_pattern))

    def assert_says(self, text) -> None:
        expect(self.page.get_by_text(text).first).to_be_visible()


@dataclass
class Staff(Window):
    email: str = ""
    password: str = ""

    def log_in_to_admin(self) -> None:
        self.open("/admin/")
        self.page.locator("#id_username").fill(self.email)
        self.page.locator("#id_password").fill(self.password)
        self.press(self.page.locator("#login-form").get_by_role("button"))
        self.shot("admin-logged-in")

    def suspend_in_admin(self, email: str) -> None:
        """Users list → tick the merchant → the "suspend" action."""
        self.open("/admin/")
        self.press(self.page.locator("a[href$='/accounts/user/']").first)
        row = self.page.get_by_role("row").filter(has=self.page.get_by_role("link", name=email, exact=True))
        row.locator("input[name=_selected_action]").check()
        self.page.locator("select[name=action]").select_option("suspend_users")
        self.shot("admin-suspend-chosen")
        self.press(self.page.locator("button[name=index]"))
        self.shot("admin-suspended")


@dataclass
class Merchant(Window):
    shop: Shop = None

    def as_staff(self, browser) -> Staff:
        """A staff member (made in the live EvoSync's database) logged into /admin/ in a window of their own."""
        email, password = f"staff-{self.shop.email}", "Staff-pass-2026"
        self.live.seed("staff", email, password)
        context = browser.new_context(viewport=self.page.viewport_size, locale="ru-RU")
        staff = Staff(page=context.new_page(), live=self.live, artifacts=self.artifacts, shots=self.shots)
        staff.email, staff.password = email, password
        staff.log_in_to_admin()
        return staff

    def as_member(self, browser, role: str) -> "Merchant":
        """A colleague with `role` in this shop's team (made in the live EvoSync's database), logged in in a
        window of their own."""
        email, password = f"{role}-{self.shop.email}", f"Member-pass-{role}-2026"
        self.live.seed("member", email, password, self.shop.email, role)
        context = browser.new_context(viewport=self.page.viewport_size, locale="ru-RU")
        member = Merchant(page=context.new_page(), live=self.live, artifacts=self.artifacts, shots=self.shots)
        member.shop = self.shop
        member.log_in(email, password)
        return member

    # ----- sign-up and login ----------------------------------------------------------------------------
    def register(self) -> None:
        self.open("/register")
        self.page.get_by_label(re.compile("email|почт", re.I)).fill(self.shop.email)
        self.page.get_by_label("Имя и фамилия").fill("Анна Смирнова")
        self.page.get_by_label("Телефон").fill("+7 900 123-45-67")
        self.page.get_by_label(re.compile(r"^Пароль:?$")).fill(self.shop.password)
        self.page.get_by_label(re.compile(r"^Пароль \(ещё раз\)|^Повторите пароль", re.I)).fill(self.shop.password)
        self.shot("register-filled")
        self.press(self.page.get_by_role("button", name="Зарегистрироваться"))
        self.shot("registered")

    def confirmation_link(self) -> str:
        """The link in the confirmation mail (waits for the mail a few seconds)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for mail in self.live.mails(self.shop.email):
                text_part = mail.get_payload(0) if mail.is_multipart() else mail
                text = text_part.get_payload(decode=True).decode(text_part.get_content_charset() or "utf-8")
                found = re.search(r"https?://\S+/confirm-email/\S+", text)
                if found:
                    return found.group(0)
            time.sleep(0.2)
        raise AssertionError(f"no confirmation mail to {self.shop.email}")

    def confirm_email(self) -> None:
        self.page.goto(self.confirmation_link())
        self.shot("email-confirmed")

    def log_in(self, email: str | None = None, password: str | None = None) -> None:
        """Log in on /login; a merchant whose confirmation already logged them in is sent on by /login."""
        self.open("/login")
        if not self.page.url.endswith("/login"):
            self.shot("already-logged-in")
            return
        self.page.get_by_label(re.compile("email|почт", re.I)).fill(email or self.shop.email)
        self.page.get_by_label(re.compile(r"^Пароль:?$")).fill(password or self.shop.password)
        self.press(self.page.locator("form").get_by_role("button", name=re.compile("Войти")))
        self.shot("logged-in")

    def sign_up_and_log_in(self) -> None:
        self.register()
        self.confirm_email()
        self.log_in()

    # ----- connections ------------------------------------------------------------------------------
    def connect_evotor(self, token: str | None = None) -> None:
        self.open("/connections")
        self.field("Токен облака Эвотор").fill(token or self.shop.evotor_token)
        card = self.page.locator("#evotor")
        self.press(card.get_by_role("button", name=re.compile("Подключить|Сохранить")))
        self.shot("evotor-wrong-token" if token else "evotor-connected")

    def connect_vk(self) -> None:
        self.open("/connections")
        self.field("Токен пользователя VK").fill(self.shop.vk_token)
        form = self.page.locator("form", has=self.page.get_by_label("Токен пользователя VK"))
        form.get_by_label(re.compile("Сообщество")).fill(self.shop.screen_name)
        self.press(form.get_by_role("button", name="Сохранить"))
        self.shot("vk-connected")

    # ----- catalog ----------------------------------------------------------------------------------
    def store_names(self) -> list[str]:
        return [store["name"] for store in self.live.evotor.stores(self.shop.evotor_token)]

    def wait_for_catalog(self) -> None:
        """The first catalog read (queued when the token was saved) shows the stores."""
        store = self.store_names()[0]
        deadline = time.monotonic() + SYNC_SECONDS
        while time.monotonic() < deadline:
            self.open("/catalog/stores")
            if self.page.get_by_role("row", name=re.compile(re.escape(store))).count():
                self.shot("catalog-read")
                return
            time.sleep(0.5)
        raise AssertionError("the catalog's stores never appeared on /catalog/stores")

    def store_id(self, name: str) -> str:
        return next(s["id"] for s in self.live.evotor.stores(self.shop.evotor_token) if s["name"] == name)

    def store_row(self, name: str):
        return self.page.get_by_role("row", name=re.compile(re.escape(name)))

    def publish_store(self, name: str, *, groups: int = 2) -> None:
        """Switch the store on, and keep only its first `groups` product groups published."""
        self.open("/catalog/stores")
        self.press(self.store_row(name).get_by_role("button", name="Включить"))
        self.shot("store-published")
        self.press(self.store_row(name).get_by_role("link", name="Группы"))
        rows = self.page.get_by_role("row").filter(has=self.page.get_by_role("button", name="Выключить"))
        while rows.count() > groups:
            self.press(rows.last.get_by_role("button", name="Выключить"))
        self.shot("two-groups-published")

    def unpublish_store(self, name: str) -> None:
        self.open("/catalog/stores")
        self.press(self.store_row(name).get_by_role("button", name="Выключить"))
        self.shot("store-switched-off")

    # ----- sync ---------------------------------------------------------------------------------------
    def sync_now(self) -> None:
        self.open("/sync")
        self.press(self.page.get_by_role("button", name="Синхронизировать сейчас"))
        self.shot("sync-now-pressed")

    def wait_for_plan(self, path: str = "/sync", seconds: float = SYNC_SECONDS) -> None:
        """A plan waiting for confirmation appears (the page is reloaded until it does)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                answer = self.page.goto(self.live.url + path)
            except PlaywrightError as error:  # the page reloaded itself (a run ended) as we opened it again
                if "ERR_ABORTED" not in str(error):
                    raise
                time.sleep(0.5)
                continue
            assert answer is not None and answer.status == 200, f"{path} answers {answer and answer.status}"
            if self.page.get_by_role("button", name=re.compile("Подтвердить")).count():
                self.shot("plan-shown")
                return
            time.sleep(0.5)
        self.shot("no-plan")
        raise AssertionError(f"no plan waiting for confirmation on {path}")

    def confirm_plan(self) -> None:
        self.press(self.page.get_by_role("button", name=re.compile("Подтвердить")).first)
        self.shot("plan-confirmed")

    def watch_progress_to_the_end(self) -> None:
        """Stay on the page the confirmation led to: its live progress ends in the last run done (the page
        reloads itself when the run ends)."""
        if self.page.locator("#current progress").count():
            self.shot("sync-progress")
        last_run = self.page.locator("table tbody tr").first
        expect(last_run).to_contain_text("Готово", timeout=SYNC_SECONDS * 1000)
        self.shot("sync-done")

    # ----- the VK side ------------------------------------------------------------------------------------
    def open_vk_album(self, title: str) -> None:
        """/vk-catalog/albums → the album. The page shows the VK shop as last read, and that read is queued after
        a sync ends: the page is reloaded until the album is there."""
        deadline = time.monotonic() + QUICK_SECONDS
        link = self.page.get_by_role("link", name=title).first
        while True:
            self.open("/vk-catalog/albums")
            if link.count() or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.shot("vk-catalog-albums")
        self.press(link)
        self.shot("vk-catalog-album-items")

    def vk_items(self) -> list:
        """The community's live items in the VK emulator."""
        return [item for item in self.live.vk.shop(self.shop.group_id).items.values() if not item.removed]

    def vk_shop_page_url(self) -> str:
        """The VK emulator's read-only page of the community's shop, at VK's address for it (vk.com/market-<id>)."""
        return f"{self.live.vk.base_url}/market-{self.shop.group_id}"

    def vk_price_of(self, sku: str) -> Decimal | None:
        return next((item.price for item in self.vk_items() if item.sku == sku and not item.hidden), None)

    def assert_vk_price_becomes(self, sku: str, price: Decimal, seconds: float = SYNC_SECONDS) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.vk_price_of(sku) != price:
            time.sleep(0.5)
        assert self.vk_price_of(sku) == price, f"VK still shows {self.vk_price_of(sku)} for {sku}, not {price}"

    # ----- VK orders ---------------------------------------------------------------------------------------
    def add_community_token(self) -> None:
        """The owner made the community's own token in VK and pastes it on the VK connection's card."""
        token = f"vk-community-token-{self.shop.group_id}"
        self.live.vk.add_community_token(token, self.shop.group_id)
        self.open("/connections")
        self.field("Токен сообщества VK").fill(token)
        self.press(self.page.get_by_role("button", name="Сохранить токен сообщества"))
        self.assert_says("Токен сообщества сохранён")
        self.shot("community-token-saved")

    def set_up_callback(self) -> None:
        """«Настроить Callback API»: VK then asks EvoSync's address for its confirmation string."""
        self.press(self.page.get_by_role("button", name="Настроить Callback API"))
        self.assert_says("Callback API настроен")
        deadline = time.monotonic() + QUICK_SECONDS
        while time.monotonic() < deadline and "Callback API работает" not in self.page.content():
            time.sleep(0.5)
            self.open("/connections")
        self.shot("callback-set-up")

    def order_in_vk_as_a_buyer(self, title: str) -> None:
        """A buyer opens the community's shop in VK and presses «Заказать» under `title`."""
        self.open_url(self.vk_shop_page_url())
        card = self.page.locator("li", has_text=title).first
        self.press(card.get_by_role("button", name="Заказать"))
        self.assert_says(re.compile("Заказ №\\d+ оформлен"))
        self.shot("ordered-in-vk")

    def open_url(self, url: str) -> None:
        self.page.goto(url)

    def wait_for_order(self, title: str, seconds: float = QUICK_SECONDS) -> None:
        """/orders shows the new order (reloaded until it does), and its page the item ordered."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.open("/orders")
            if self.page.locator("table tbody a").count():
                break
            time.sleep(0.5)
        self.shot("orders-list")
        self.press(self.page.locator("table tbody a").first)
        self.assert_says(title)
        self.shot("order-detail")

    # ----- Evotor's side ------------------------------------------------------------------------------------
    def change_price_in_evotor(self, product_id: str, price: Decimal) -> None:
        """The owner edits a price on the cash register: the cloud's catalog changes."""
        self.live.evotor.update_product(self.shop.evotor_token, product_id, price=float(price))

    def sell_at_the_register(self, product_id: str, quantity: float) -> None:
        """A sale at the owner's register: Evotor's cloud sends the receipt to EvoSync with our api token."""
        from webhooks.services import api_token_for

        self.live.evotor.notify_to(self.live.url, {self.shop.evotor_user_id: api_token_for(self.shop.evotor_user_id)})
        self.live.evotor.sell(self.shop.evotor_token, product_id, quantity)
        assert self.live.evotor.deliveries[-1] == ("/api/v2/receipts", 200), self.live.evotor.deliveries[-1:]

    def assert_vk_hides(self, sku: str, seconds: float = QUICK_SECONDS) -> None:
        """The item is hidden in VK (not in stock), as a buyer sees the community's shop."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.vk_price_of(sku) is not None:
            time.sleep(0.3)
        assert self.vk_price_of(sku) is None, f"VK still shows {sku} for sale"

    def evotor_pushes_the_product(self, store_id: str) -> None:
        """Evotor's push of a product changed on a terminal, with our api token for the owner's Evotor user."""
        from webhooks.services import api_token_for

        answer = requests.post(
            f"{self.live.url}/api/v1/inventories/stores/{store_id}/products",
            json=[{"uuid": "pushed"}],
            headers={"Authorization": f"Bearer {api_token_for(self.shop.evotor_user_id)}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text


def synced_shop(owner) -> str:
    """Sign up, connect Evotor and VK, publish the first store with two groups, confirm the first plan and let
    the first sync end; the published store's name."""
    owner.sign_up_and_log_in()
    owner.connect_evotor()
    owner.connect_vk()
    owner.wait_for_catalog()
    store = owner.store_names()[0]
    owner.publish_store(store)
    owner.sync_now()  # today the first plan waits for this press (issue #13: it should come by itself)
    owner.wait_for_plan()
    owner.confirm_plan()
    owner.watch_progress_to_the_end()
    assert owner.vk_items(), "the first sync put nothing in VK"
    return store
