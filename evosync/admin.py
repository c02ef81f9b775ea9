"""The staff admin in Russian: its title, and what the third-party apps leave in English or say ungrammatically.

Our apps name their models, fields and columns in Russian themselves; Django's admin phrases and the plural
forms of model names come from evosync/locale (Django's plural machinery). What a translation cannot fix is
here: django-celery-beat's intervals ("каждые 300 секунды") and columns whose titles are plain English strings.
"""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django_celery_beat.admin import CrontabScheduleAdmin, PeriodicTaskAdmin
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from core.plurals import count, plural

TITLE = "EvoSync — администрирование"
admin.site.site_header = TITLE
admin.site.site_title = TITLE
admin.site.index_title = TITLE

# period → (the words after «каждый/каждую» for one, then the noun's forms for 1, 2–4, 5+)
PERIODS = {
    IntervalSchedule.DAYS: ("каждый день", "день", "дня", "дней"),
    IntervalSchedule.HOURS: ("каждый час", "час", "часа", "часов"),
    IntervalSchedule.MINUTES: ("каждую минуту", "минуту", "минуты", "минут"),
    IntervalSchedule.SECONDS: ("каждую секунду", "секунду", "секунды", "секунд"),
    IntervalSchedule.MICROSECONDS: ("каждую микросекунду", "микросекунду", "микросекунды", "микросекунд"),
}


def interval_in_words(interval: IntervalSchedule) -> str:
    """«каждую секунду», «каждые 3 секунды», «каждые 300 секунд»: the interval as staff read it."""
    every_one, *forms = PERIODS.get(interval.period, (interval.period,) * 4)
    return every_one if interval.every == 1 else f"каждые {count(interval.every, *forms)}"


# Everywhere an interval is shown (lists, the task's schedule menu, the delete page), not in one column only.
IntervalSchedule.__str__ = interval_in_words


admin.site.unregister(PeriodicTask)


class TaskFilter(admin.AllValuesFieldListFilter):
    """The filter on the task's name: django-celery-beat names the field "Task Name" in plain English."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "задача"


@admin.register(PeriodicTask)
class RussianPeriodicTaskAdmin(PeriodicTaskAdmin):
    list_display = ("name", "enabled", "schedule", "interval", "start_time", "last_run_at", "one_off")
    list_filter = ["enabled", "one_off", ("task", TaskFilter), "start_time", "last_run_at"]

    @admin.display(description="расписание")
    def schedule(self, task):
        return task.scheduler

    @admin.display(description="расписание cron словами")
    def crontab_translation(self, task):
        return super().crontab_translation(task)


admin.site.unregister(CrontabSchedule)


@admin.register(CrontabSchedule)
class RussianCrontabScheduleAdmin(CrontabScheduleAdmin):
    list_display = ("expression", "in_words")
    fields = ["in_words" if name == "human_readable" else name for name in CrontabScheduleAdmin.fields]
    readonly_fields = ("in_words",)

    @admin.display(description="выражение cron")
    def expression(self, crontab):
        return str(crontab)

    @admin.display(description="словами")
    def in_words(self, crontab):
        return crontab.human_readable


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class RussianAccessAttemptAdmin(AccessAttemptAdmin):
    list_display = [name if name != "status" else "attempts_left" for name in AccessAttemptAdmin.list_display]

    @admin.display(description="состояние")
    def attempts_left(self, attempt):
        left = settings.AXES_FAILURE_LIMIT - attempt.failures_since_start
        if left <= 0:
            return "вход закрыт"
        return f"{plural(left, 'осталась', 'осталось', 'осталось')} {count(left, 'попытка', 'попытки', 'попыток')}"
