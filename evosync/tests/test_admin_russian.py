"""The staff admin speaks Russian: app, model and column names, its title, and counts in the right plural form.

Every model registered in the admin is checked (admin.site._registry), so a model added later is covered.
"""

import re

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import result_headers
from django.contrib.admin.utils import model_ngettext
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags
from django_celery_beat.models import IntervalSchedule

from accounts import roles, services
from accounts.models import User
from accounts.tests.factories import UserFactory
from catalog.models import Product
from evosync.admin import interval_in_words
from vksync.models import SyncRun, SyncSettings

pytestmark = pytest.mark.django_db

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
ALLOWED_LATIN = {"ID", "VK"}  # read the same in Russian
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def is_russian(text) -> bool:
    text = str(text).strip()
    return bool(CYRILLIC.search(text)) or text in ALLOWED_LATIN


@pytest.fixture
def staff_client(client):
    staff = UserFactory(staff=True)
    services.set_role(user=staff, role=roles.SYSTEM)
    client.force_login(staff)
    return client


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_admin_index_is_titled_evosync_and_names_every_section_in_russian(staff_client):
    response = staff_client.get("/admin/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>EvoSync — администрирование" in page
    assert "EvoSync — администрирование</a></div>" in page or "EvoSync — администрирование</a></h1>" in page
    assert "Django" not in page.split("<body", 1)[1]
    for section in response.context["app_list"]:
        assert is_russian(section["name"]), section["name"]
        for model in section["models"]:
            assert is_russian(model["name"]), model["name"]


def test_the_admin_is_russian_even_for_a_browser_asking_for_english(staff_client):
    response = staff_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = response.content.decode()
    assert response["Content-Language"] == "ru"
    assert "Последние действия" in page and "Recent actions" not in page
    assert ">Изменить<" in page and ">Change<" not in page
    assert "Access attempts" not in page and "Periodic tasks" not in page


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_every_changelist_has_russian_title_and_column_names(staff_client, model):
    response = staff_client.get(changelist_url(model))
    assert response.status_code == 200
    opts = model._meta
    assert is_russian(opts.app_config.verbose_name), opts.app_config.verbose_name
    assert is_russian(opts.verbose_name) and is_russian(opts.verbose_name_plural), opts.label
    assert is_russian(response.context["title"]), response.context["title"]
    headers = [header["text"] for header in result_headers(response.context["cl"])]
    english = [text for text in headers if text and not is_russian(text)]
    assert english == [], f"{opts.label}: columns {english}"
    filters = [str(spec.title) for spec in response.context["cl"].filter_specs]
    assert [title for title in filters if not is_russian(title)] == [], f"{opts.label}: filters {filters}"


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_every_add_form_labels_its_fields_in_russian(staff_client, model):
    response = staff_client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"))
    assert response.status_code in (200, 403), model._meta.label
    if response.status_code == 403:
        return  # read-only in the admin (Evotor's catalog, the sync's runs): no add form to label
    labels = re.findall(r"<label[^>]*>([^<]+)</label>", response.content.decode())
    assert labels, model._meta.label
    english = [label for label in labels if not is_russian(label.rstrip(":"))]
    assert english == [], f"{model._meta.label}: {english}"


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_every_model_name_has_its_russian_plural_forms(model):
    """Without an entry in evosync/locale the count falls back to the plural for every number ≠ 1."""
    with translation.override("ru"):
        forms = {number: model_ngettext(model._meta, number) for number in (1, 3, 5, 21)}
    assert forms[21] == forms[1]
    assert forms[5] != str(model._meta.verbose_name_plural), f"{model._meta.label}: no plural forms for 5"
    assert forms[3] not in (forms[1], forms[5])


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (User, ["1 пользователь", "3 пользователя", "5 пользователей", "21 пользователь"]),
        (Product, ["1 товар", "3 товара", "5 товаров", "21 товар"]),
        (
            SyncRun,
            [
                "1 запуск синхронизации",
                "3 запуска синхронизации",
                "5 запусков синхронизации",
                "21 запуск синхронизации",
            ],
        ),  # fmt: skip
        (
            SyncSettings,
            [
                "1 набор настроек синхронизации",
                "3 набора настроек синхронизации",
                "5 наборов настроек синхронизации",
                "21 набор настроек синхронизации",
            ],
        ),  # fmt: skip
    ],
)
def test_counts_of_model_names_take_the_russian_forms(model, expected):
    with translation.override("ru"):
        assert [f"{n} {model_ngettext(model._meta, n)}" for n in (1, 3, 5, 21)] == expected


@pytest.mark.parametrize(
    ("users", "shown"), [(1, "1 пользователь"), (3, "3 пользователя"), (5, "5 пользователей"), (21, "21 пользователь")]
)
def test_the_users_list_counts_its_rows_in_the_right_form(staff_client, users, shown):
    UserFactory.create_batch(users - 1)  # and the staff member
    page = staff_client.get(changelist_url(User)).content.decode()
    assert f"\n{shown}\n" in page


def test_deleting_three_users_says_so_in_the_right_form(staff_client):
    victims = UserFactory.create_batch(3)
    response = staff_client.post(
        changelist_url(User),
        {"action": "delete_selected", "_selected_action": [u.pk for u in victims], "post": "yes"},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["Удалено: 3 пользователя."]


def test_adding_an_invite_says_added_without_a_wrong_gender(staff_client):
    response = staff_client.post(
        reverse("admin:accounts_invite_add"), {"email": "new@example.com", "language": "ru"}, follow=True
    )
    said = [strip_tags(str(m)) for m in response.context["messages"]]
    assert "Добавлено: приглашение «new@example.com»." in said
    assert not any("был" in message for message in said)


def test_add_and_change_pages_name_the_model_without_declining_it(staff_client):
    assert staff_client.get(reverse("admin:accounts_invite_add")).context["title"] == "Добавить: приглашение"
    assert staff_client.get(changelist_url(User)).context["title"] == "Выберите для изменения: пользователь"


@pytest.mark.parametrize(
    ("every", "period", "words"),
    [
        (1, IntervalSchedule.SECONDS, "каждую секунду"),
        (3, IntervalSchedule.SECONDS, "каждые 3 секунды"),
        (5, IntervalSchedule.SECONDS, "каждые 5 секунд"),
        (21, IntervalSchedule.SECONDS, "каждые 21 секунду"),
        (300, IntervalSchedule.SECONDS, "каждые 300 секунд"),
        (1, IntervalSchedule.HOURS, "каждый час"),
        (2, IntervalSchedule.DAYS, "каждые 2 дня"),
        (15, IntervalSchedule.MINUTES, "каждые 15 минут"),
    ],
)
def test_intervals_are_named_with_the_right_plural(every, period, words):
    interval = IntervalSchedule(every=every, period=period)
    assert interval_in_words(interval) == words
    assert str(interval) == words  # the task list and the schedule menu show the same


def test_the_periodic_tasks_list_shows_intervals_in_russian(staff_client):
    IntervalSchedule.objects.create(every=300, period=IntervalSchedule.SECONDS)
    page = staff_client.get(changelist_url(IntervalSchedule)).content.decode()
    assert "каждые 300 секунд<" in page
    assert "секунды" not in page


@pytest.mark.parametrize(
    ("failures", "words"), [(4, "осталась 1 попытка"), (2, "осталось 3 попытки"), (5, "вход закрыт")]
)
def test_login_attempts_say_how_many_are_left_in_russian(staff_client, settings, failures, words):
    settings.AXES_FAILURE_LIMIT = 5
    AccessAttempt.objects.create(
        username="shop@example.com", ip_address="203.0.113.5", user_agent="Firefox", failures_since_start=failures
    )
    page = staff_client.get(changelist_url(AccessAttempt)).content.decode()
    assert f">{words}<" in page


def test_the_users_list_names_roles_in_words(staff_client):
    services.set_role(user=UserFactory(), role=roles.USER)
    page = staff_client.get(changelist_url(User)).content.decode()
    assert '<td class="field-role_name">user — продавец</td>' in page
    assert '<td class="field-role_name">system — все права</td>' in page
