"""Issue #16, "Shared access": a viewer of the shop's team reads /sync, the catalog and the sync settings; what is a
manager's is shown disabled with a note and the settings read-only, not as buttons that would answer 403."""

import pytest
from playwright.sync_api import expect

from accounts import team_roles

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_viewer_sees_sync_and_the_catalog_with_the_managers_buttons_disabled(owner, browser):
    owner.sign_up_and_log_in()
    owner.connect_evotor()
    owner.wait_for_catalog()

    viewer = owner.as_member(browser, team_roles.VIEWER)

    viewer.open("/sync")
    viewer.shot("viewer-sync")
    expect(viewer.page.get_by_role("button", name="Синхронизировать сейчас")).to_be_disabled()
    viewer.assert_says("Доступно управляющему")
    viewer.open("/catalog")
    viewer.shot("viewer-catalog")
    expect(viewer.page.get_by_role("button", name="Обновить каталог сейчас")).to_be_disabled()
    expect(viewer.page.get_by_role("button", name="Включить")).to_have_count(0)
    expect(viewer.page.get_by_role("row", name=owner.store_names()[0])).to_be_visible()
    viewer.open("/sync/settings")
    viewer.shot("viewer-sync-settings")
    expect(viewer.page.get_by_role("button", name="Сохранить")).to_have_count(0)
    expect(viewer.page.get_by_role("checkbox").first).to_be_disabled()
