import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from evosync.schedules import declared_tasks, install_periodic_tasks


@pytest.mark.django_db
def test_migrate_installs_every_declared_periodic_task():
    names = set(PeriodicTask.objects.values_list("name", flat=True))
    assert {spec.name for spec in declared_tasks()} <= names


@pytest.mark.django_db
def test_installing_twice_creates_nothing_new():
    PeriodicTask.objects.all().delete()
    first = install_periodic_tasks()
    count = PeriodicTask.objects.count()
    second = install_periodic_tasks()
    assert len(first) == len(declared_tasks())
    assert second == []
    assert PeriodicTask.objects.count() == count


@pytest.mark.django_db
def test_an_interval_edited_in_the_admin_survives_a_reinstall(settings):
    spec = declared_tasks()[0]
    task = PeriodicTask.objects.get(name=spec.name)
    task.enabled = False
    task.save()
    call_command("install_schedules", verbosity=0)
    task.refresh_from_db()
    assert task.enabled is False


@pytest.mark.django_db
def test_periodic_tasks_run_at_their_declared_interval():
    for spec in declared_tasks():
        task = PeriodicTask.objects.get(name=spec.name)
        assert task.interval.every == spec.every_seconds
        assert task.interval.period == "seconds"


def test_every_declared_task_is_registered_with_celery():
    from evosync.celery import app

    app.loader.import_default_modules()
    for spec in declared_tasks():
        assert spec.task in app.tasks, f"{spec.task} is scheduled but no such task exists"


@pytest.mark.django_db
def test_clear_expired_sessions_removes_only_expired_ones():
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from evosync.tasks import clear_expired_sessions

    now = timezone.now()
    Session.objects.create(session_key="old", session_data="", expire_date=now - timedelta(days=1))
    Session.objects.create(session_key="new", session_data="", expire_date=now + timedelta(days=1))
    clear_expired_sessions.delay()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]
