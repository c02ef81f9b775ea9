"""The words of /sync and its settings page (issue 13): the running run's row says what the card says, one word
for a hidden item, VK requests explained by their batching, the safeguard in percent and in plain words, the
delete-days field only where it applies."""

from decimal import Decimal

import pytest
from django.urls import reverse

from connections.tests.factories import VkConnectionFactory
from vkshop.tests.factories import VkItemFactory
from vksync.models import SyncRun, SyncSettings
from vksync.tests.factories import SyncRunFactory, SyncSettingsFactory
from vksync.tests.helpers import SETTINGS_FORM

pytestmark = pytest.mark.django_db

FORM = SETTINGS_FORM


@pytest.fixture
def rules(merchant):
    return SyncSettingsFactory(merchant=merchant, brake_share=Decimal("0.30"), delete_grace_days=7)


def settings_page(client) -> str:
    return client.get(reverse("sync_settings")).content.decode()


def test_the_running_runs_row_and_the_card_say_the_same_and_the_row_is_the_one_the_progress_updates(client, merchant):
    run = SyncRunFactory(merchant=merchant, status=SyncRun.Status.RUNNING)
    page = client.get(reverse("sync")).content.decode()
    assert '<span id="current-status">Идёт</span>' in page
    assert f'<span id="run-{run.pk}-status">Идёт</span>' in page
    assert "В очереди" not in page
    assert client.get(reverse("sync_progress")).json()["run"] == run.pk  # evosync.js redraws #run-<run>-status


def test_vk_requests_are_counted_with_the_actions_they_carried_and_batching_explained(client, merchant):
    requests = {"total": 72, "by_method": {"execute": 60, "market.edit": 380, "market.add": 20, "market.get": 12}}
    SyncRunFactory(merchant=merchant, status=SyncRun.Status.DONE, created=20, hidden=3, requests=requests)
    page = client.get(reverse("sync")).content.decode()
    assert "72 запроса · 412 действий" in page
    assert "до 25 действий" in page and "execute" in page
    assert "создано: 20 · скрыто: 3" in page


def test_a_hidden_item_is_скрыт_on_the_vk_shop_page_as_on_the_sync_page(client, merchant):
    VkConnectionFactory(merchant=merchant)
    VkItemFactory(merchant=merchant, title="Чай скрытый", availability=1)
    page = client.get("/vk-catalog/albums/0/products").content.decode()
    assert "Скрыт" in page and "Удалён" not in page


def test_the_safeguard_is_shown_in_words_and_in_percent(client, rules):
    page = settings_page(client)
    assert "Защита от массового скрытия, %" in page
    assert 'name="brake_percent" value="30"' in page
    assert "ормоз" not in page and "0.30" not in page and "0,30" not in page


@pytest.mark.parametrize("typed", ["30", "30 %", "30%", " 30\u00a0% "])
def test_the_safeguard_accepts_a_percentage_and_stores_the_share(client, rules, typed):
    response = client.post(reverse("sync_settings"), FORM | {"brake_percent": typed})
    assert response.status_code == 302
    assert SyncSettings.objects.get(pk=rules.pk).brake_share == Decimal("0.30")


@pytest.mark.parametrize("typed", ["150", "101", "0", "-5", "0.3", "тридцать"])
def test_the_safeguard_refuses_what_is_not_a_percentage_from_1_to_100(client, rules, typed):
    response = client.post(reverse("sync_settings"), FORM | {"brake_percent": typed})
    assert response.status_code == 200
    assert "от 1 до 100" in response.context["form"].errors["brake_percent"][0]
    assert SyncSettings.objects.get(pk=rules.pk).brake_share == Decimal("0.30")


def test_the_delete_days_field_is_marked_to_show_only_with_hide_then_delete(client, rules):
    page = settings_page(client)
    assert 'data-show-if="unavailable_action=delete"' in page
    assert 'name="delete_grace_days"' in page  # rendered, so the page works without its script too


def test_delete_days_sent_while_only_hiding_are_ignored_and_the_stored_days_kept(client, rules):
    response = client.post(reverse("sync_settings"), FORM | {"unavailable_action": "hide", "delete_grace_days": 9999})
    assert response.status_code == 302
    assert SyncSettings.objects.get(pk=rules.pk).delete_grace_days == 7


def test_delete_days_are_checked_and_saved_when_hide_then_delete_is_chosen(client, rules):
    refused = client.post(reverse("sync_settings"), FORM | {"unavailable_action": "delete", "delete_grace_days": 9999})
    assert refused.status_code == 200 and refused.context["form"].errors["delete_grace_days"]
    saved = client.post(reverse("sync_settings"), FORM | {"unavailable_action": "delete", "delete_grace_days": 14})
    assert saved.status_code == 302
    stored = SyncSettings.objects.get(pk=rules.pk)
    assert (stored.unavailable_action, stored.delete_grace_days) == ("delete", 14)
