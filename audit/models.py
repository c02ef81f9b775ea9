"""The audit trail: one row per action that changed access or what reaches a shop.

The row is django-auditlog's log entry (AUDITLOG_LOGENTRY_MODEL points here), so the model changes auditlog
notices (`tracking.py`) and the explicit events (`services.record`) land in one table, one admin, one page.
Ours adds what the trail is read by: the event in words, and the merchant whose account it concerns.
"""

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.db import models
from django.utils import timezone


class Event(models.TextChoices):
    LOGIN = "login", "Вход"
    LOGIN_FAILED = "login_failed", "Неудачный вход"
    LOGOUT = "logout", "Выход"
    SIGNUP = "signup", "Регистрация"
    EMAIL_CONFIRMED = "email_confirmed", "Почта подтверждена"
    PASSWORD_CHANGED = "password_changed", "Пароль изменён"
    PASSWORD_RESET = "password_reset", "Пароль сброшен по ссылке"
    INVITE_SENT = "invite_sent", "Приглашение отправлено"
    INVITE_ACCEPTED = "invite_accepted", "Приглашение принято"
    INVITE_REVOKED = "invite_revoked", "Приглашение отозвано"
    MEMBER_REMOVED = "member_removed", "Участник удалён из команды"
    SUPPORT_ASSIGNED = "support_assigned", "Назначена или снята поддержка"
    ACCOUNT_CREATED = "account_created", "Аккаунт создан"
    ACCOUNT_DELETED = "account_deleted", "Аккаунт удалён"
    STATUS_CHANGED = "status_changed", "Статус изменён"
    ROLE_CHANGED = "role_changed", "Роль изменена"
    PROFILE_CHANGED = "profile_changed", "Профиль изменён"
    CONNECTION_SAVED = "connection_saved", "Подключение сохранено"
    CONNECTION_TESTED = "connection_tested", "Подключение проверено"
    CONNECTION_BROKEN = "connection_broken", "Подключение перестало работать"
    CONNECTION_DISCONNECTED = "connection_disconnected", "Подключение отключено"
    EVOTOR_TOKEN = "evotor_token", "Токен от Эвотора"
    EVOTOR_APP = "evotor_app", "Приложение в Эвоторе установлено или удалено"
    STORE_SWITCHED = "store_switched", "Магазин включён или выключен"
    GROUP_SWITCHED = "group_switched", "Группа включена или выключена"
    SYNC_SETTINGS_CHANGED = "sync_settings_changed", "Настройки синхронизации изменены"
    FIRST_PLAN_CONFIRMED = "first_plan_confirmed", "План первой синхронизации подтверждён"
    BRAKE_CONFIRMED = "brake_confirmed", "Остановка тормозом подтверждена"
    SYNC_STARTED = "sync_started", "Синхронизация запущена вручную"
    ORDER_STATUS_CHANGED = "order_status_changed", "Статус заказа изменён"


class AuditEventManager(LogEntryManager):
    """auditlog writes through log_create / log_m2m_changes: each tracked model names its event and merchant."""

    def log_create(self, instance, force_log: bool = False, **kwargs):
        from audit import tracking

        fields = tracking.describe(instance, kwargs.get("action"), kwargs.get("changes") or {})
        if fields is None:
            return None  # a change the trail does not keep (a token renewed by itself, a catalog refresh)
        return super().log_create(instance, force_log=force_log, **kwargs, **fields)

    def log_m2m_changes(self, changed_queryset, instance, operation, field_name, **kwargs):
        from audit import tracking

        fields = tracking.describe(instance, None, {field_name: operation})
        if fields is None:
            return None
        return super().log_m2m_changes(changed_queryset, instance, operation, field_name, **kwargs, **fields)


class AuditEvent(AbstractLogEntry):
    event = models.CharField("действие", max_length=32, choices=Event.choices)
    # No database constraint on the two users: the trail outlives them (their emails are kept in the row), and
    # an account's deletion is itself written here while its rows go (a foreign key would refuse that insert).
    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="продавец",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept when the account is deleted: the trail still says whose it was.
    merchant_email = models.CharField("почта продавца", max_length=254, blank=True)
    summary = models.TextField("что произошло", blank=True)
    # auditlog's columns, optional here: an explicit event need not be about a row (a failed login).
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="тип записи",
    )
    action = models.PositiveSmallIntegerField(
        "операция с записью", choices=AbstractLogEntry.Action.choices, null=True, blank=True
    )
    object_pk = models.CharField("id записи", max_length=255, blank=True, db_index=True)
    object_id = models.BigIntegerField("id записи (число)", blank=True, null=True, db_index=True)
    object_repr = models.TextField("запись", blank=True)
    # auditlog's other columns, named in Russian for the admin.
    timestamp = models.DateTimeField("когда", default=timezone.now, db_index=True)
    remote_addr = models.GenericIPAddressField("откуда (адрес)", blank=True, null=True)
    remote_port = models.PositiveIntegerField("порт", blank=True, null=True)
    actor_email = models.CharField("кто (почта)", max_length=254, blank=True, null=True)
    changes = models.JSONField("было → стало", null=True, blank=True)
    changes_text = models.TextField("изменения текстом", blank=True)
    cid = models.CharField("id запроса", max_length=255, db_index=True, blank=True, null=True)
    serialized_data = models.JSONField("снимок записи", null=True, blank=True)
    additional_data = models.JSONField("дополнительно", blank=True, null=True)

    objects = AuditEventManager()

    class Meta:
        verbose_name = "событие журнала"
        verbose_name_plural = "события журнала"
        ordering = ["-timestamp", "-id"]
        get_latest_by = "timestamp"
        indexes = [
            models.Index(fields=["merchant", "-timestamp"], name="audit_merchant_recent"),
            models.Index(fields=["event", "-timestamp"], name="audit_event_recent"),
            models.Index(fields=["merchant_email"], name="audit_merchant_email"),
            models.Index(fields=["actor_email"], name="audit_actor_email"),
        ]

    def __str__(self):
        return f"{self.get_event_display()}: {self.merchant_email or self.actor_email or 'система'}"

    @property
    def actor_label(self) -> str:
        return self.actor_email or "система"

    def before_after(self) -> list[tuple[str, str, str]]:
        """(what, before, after) in words: field names and choices as staff and merchants read them."""
        if not self.changes:
            return []
        shown = self.changes
        if self.content_type_id and self.content_type.model_class() is not None:
            shown = self.changes_display_dict
        rows = [(str(label), _word(pair, 0), _word(pair, 1)) for label, pair in shown.items()]
        return [row for row in rows if row[1] != row[2]]  # a new row's empty secret: "—" → "—" says nothing


WORDS = {"None": "—", "": "—", "True": "да", "False": "нет"}


def _word(pair, index: int) -> str:
    if isinstance(pair, dict):  # an m2m change: {"type": "m2m", "operation": "add", "objects": [...]}
        objects = ", ".join(pair.get("objects", []))
        added = pair.get("operation") == "add"
        return ("" if added else objects) if index == 0 else (objects if added else "")
    if isinstance(pair, list | tuple) and len(pair) == 2:
        value = pair[index]
        return WORDS.get(str(value), str(value))
    return str(pair) if index == 1 else ""
