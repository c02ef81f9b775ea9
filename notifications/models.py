from django.conf import settings
from django.db import models

from accounts.ownership import OwnedManager


class Notice(models.Model):
    """One thing the merchant is told through one channel; (merchant, key, channel) is sent at most once."""

    class Channel(models.TextChoices):
        MAIL = "mail", "Письмо"
        VK = "vk", "Сообщение VK"

    class Status(models.TextChoices):
        QUEUED = "queued", "В очереди"
        SENT = "sent", "Отправлено"
        FAILED = "failed", "Не отправлено"

    merchant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="продавец"
    )
    key = models.CharField("что сообщается (ключ)", max_length=128)
    channel = models.CharField("канал", max_length=8, choices=Channel.choices)
    subject = models.CharField("тема", max_length=255)
    text = models.TextField("текст")
    status = models.CharField("состояние", max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField("попыток", default=0)
    last_error = models.TextField("последняя ошибка", blank=True)
    created_at = models.DateTimeField("поставлено в очередь", auto_now_add=True)
    sent_at = models.DateTimeField("отправлено", null=True, blank=True)

    objects = OwnedManager()

    class Meta:
        verbose_name = "уведомление"
        verbose_name_plural = "уведомления"
        constraints = [models.UniqueConstraint(fields=["merchant", "key", "channel"], name="notice_once_per_channel")]
        indexes = [models.Index(fields=["merchant", "-created_at"])]

    def __str__(self):
        return f"{self.get_channel_display()}: {self.subject}"
