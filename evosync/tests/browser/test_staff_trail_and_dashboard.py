"""Issue #16: what a merchant did shows in their «История действий» and in the staff's trail, and the staff
dashboard draws its charts, each leading to the admin list behind it."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_the_merchants_actions_show_on_their_profile_and_in_the_staff_trail_and_dashboard(owner, browser):
    owner.sign_up_and_log_in()
    owner.connect_evotor()

    owner.open("/profile")
    owner.press(owner.page.get_by_role("link", name="История действий"))
    owner.shot("history")
    for event in ("Регистрация", "Почта подтверждена", "Вход", "Подключение сохранено"):
        owner.assert_says(event)
    expect(owner.page.get_by_text(owner.shop.evotor_token)).to_have_count(0)

    staff = owner.as_staff(browser)
    staff.open("/admin/")
    staff.press(staff.page.get_by_role("link", name=re.compile("Как идут дела")))
    staff.shot("dashboard")
    for title in ("Продавцы по статусу", "Докуда дошли продавцы", "Запуски синхронизации по дням, 30 дней"):
        expect(staff.page.get_by_role("img", name=title)).to_be_visible()
    staff.press(staff.page.get_by_role("link", name="90 дней"))
    expect(staff.page.get_by_role("img", name="Запуски синхронизации по дням, 90 дней")).to_be_visible()
    staff.press(staff.page.get_by_role("link", name="Все продавцы"))
    staff.assert_on(r"/admin/accounts/user/")

    staff.open("/admin/audit/auditevent/")
    box = staff.page.get_by_role("searchbox", name="Продавец (почта)")
    box.fill(owner.shop.email)
    with staff.page.expect_navigation():
        box.press("Enter")
    staff.shot("trail-of-the-merchant")
    expect(staff.page.locator("#result_list")).to_contain_text("Регистрация")
    expect(staff.page.locator("#result_list")).to_contain_text("Подключение сохранено")
