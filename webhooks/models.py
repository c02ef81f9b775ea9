"""What Evotor told us through its webhooks (events, kept for the record and applied in order), the lock that
puts one Evotor user's calls in a row, and the link requests an account's owner confirms or refuses."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class WebhookEvent(models.Model):
    """One subscription or installation event, receipt or store document as Evotor sent it (resends are recorded
    once: the second copy of a receipt moves nothing)."""

    class Kind(models.TextChoices):
        SUBSCRIPTION = "subscription", "Подписка"
        INSTALLATION = "installation", "Установка"
        RECEIPT = "receipt", "Чек"
        DOCUMENT = "document", "Документ магазина"

    kind = models.CharField("вид", max_length=16, choices=Kind.choices)
    event_id = models.CharField("id события", max_length=191)
    event_type = models.CharField("тип", max_length=64)
    evotor_user_id = models.CharField("пользователь Эвотор", max_length=64, db_index=True)
    sequence_number = models.BigIntegerField("номер по порядку", null=True, blank=True)
    occurred_at = models.DateTimeField("когда случилось", null=True, blank=True)
    payload = models.JSONField("тело")
    received_at = models.DateTimeField("получено", auto_now_add=True)
    applied = models.BooleanField("применено", default=False)
    note = models.CharField("примечание", max_length=255, blank=True)

    class Meta:
        verbose_name = "событие Эвотора"
        verbose_name_plural = "события Эвотора"
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "event_id"], name="webhook_event_once")]

    def __str__(self):
        return f"{self.event_type} ({self.evotor_user_id})"


class EvotorSubscription(models.Model):
    """The state of one Evotor subscription: the type of the latest event by sequence number."""

    subscription_id = models.CharField("подписка", max_length=191, unique=True)
    evotor_user_id = models.CharField("пользователь Эвотор", max_length=64, db_index=True)
    product_id = models.CharField("приложение", max_length=191, blank=True)
    plan_id = models.CharField("тариф", max_length=191, blank=True)
    status = models.CharField("состояние", max_length=64)
    last_sequence_number = models.BigIntegerField("последний номер")
    updated_at = models.DateTimeField("обновлено", auto_now=True)

    ACTIVE_TYPES = {"SubscriptionCreated", "SubscriptionActivated", "SubscriptionRenewed", "SubscriptionTermsChanged"}

    class Meta:
        verbose_name = "подписка Эвотор"
        verbose_name_plural = "подписки Эвотор"

    def __str__(self):
        return f"{self.subscription_id}: {self.status}"

    @property
    def active(self) -> bool:
        return self.status in self.ACTIVE_TYPES


class EvotorUserLock(models.Model):
    """One row per Evotor user id that called `/user/*`. Each call takes its row (`select_for_update`) before
    anything else, so calls for one Evotor user — Evotor's overlapping resends — run one after another."""

    evotor_user_id = models.CharField("пользователь Эвотор", max_length=64, unique=True)
    first_call_at = models.DateTimeField("первый вызов", auto_now_add=True)

    class Meta:
        verbose_name = "очередь вызовов пользователя Эвотор"
        verbose_name_plural = "очереди вызовов пользователей Эвотор"

    def __str__(self):
        return self.evotor_user_id


class EvotorLinkRequest(models.Model):
    """Evotor asked (`/user/create` with the email of an existing account) to link one of its users to that
    account. Nothing is linked unless the account's owner confirms by the link mailed to them, before it
    expires; `/user/verify` with the account's password is the other way in."""

    class Status(models.TextChoices):
        OPEN = "open", "ждёт ответа"
        CONFIRMED = "confirmed", "подтверждена"
        REFUSED = "refused", "отклонена"
        CONFLICT = "conflict", "не выполнена: связь уже занята"

    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="аккаунт", on_delete=models.CASCADE, related_name="+"
    )
    evotor_user_id = models.CharField("пользователь Эвотор", max_length=64)
    # The SHA-256 of the mailed token (set when the mail is sent): a leaked table confirms nothing.
    token_hash = models.CharField("хеш ссылки", max_length=64, unique=True, null=True, blank=True, editable=False)
    status = models.CharField("состояние", max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField("запрошена", default=timezone.now)
    expires_at = models.DateTimeField("действует до")
    decided_at = models.DateTimeField("решена", null=True, blank=True)

    class Meta:
        verbose_name = "запрос на связь с Эвотором"
        verbose_name_plural = "запросы на связь с Эвотором"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["merchant", "created_at"], name="link_request_by_merchant")]

    def __str__(self):
        return f"{self.evotor_user_id} → {self.merchant}: {self.get_status_display()}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN and not self.is_expired
