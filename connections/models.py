from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.ownership import OwnedManager
from connections.fields import EncryptedTextField


class Connection(models.Model):
    """What every merchant connection shares: its state and its last error in words."""

    class Status(models.TextChoices):
        UNCHECKED = "unchecked", "Не проверено"
        OK = "ok", "Работает"
        BROKEN = "broken", "Ошибка"

    status = models.CharField("состояние", max_length=16, choices=Status.choices, default=Status.UNCHECKED)
    connected_at = models.DateTimeField("подключено", default=timezone.now)
    last_checked_at = models.DateTimeField("последняя проверка", null=True, blank=True)
    last_error = models.TextField("последняя ошибка", blank=True)

    objects = OwnedManager()

    class Meta:
        abstract = True

    @property
    def is_usable(self) -> bool:
        return self.status != self.Status.BROKEN


class EvotorConnection(Connection):
    """The merchant's Evotor account: Evotor's user id and the cloud token for the API."""

    class Source(models.TextChoices):
        WEBHOOK = "webhook", "Эвотор (вебхук)"
        MANUAL = "manual", "Вручную"

    merchant = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="evotor_connection", verbose_name="продавец"
    )
    evotor_user_id = models.CharField("пользователь Эвотор", max_length=64, null=True, blank=True, unique=True)
    token = EncryptedTextField("токен облака Эвотор", blank=True)
    source = models.CharField("как подключено", max_length=16, choices=Source.choices, default=Source.MANUAL)
    installed = models.BooleanField("приложение установлено", default=True)

    class Meta:
        verbose_name = "подключение Эвотор"
        verbose_name_plural = "подключения Эвотор"
        # The staff dashboard reads the broken ones and why.
        indexes = [models.Index(fields=["status"], name="evotorconnection_status")]

    def __str__(self):
        return f"Эвотор: {self.merchant}"


class VkConnection(Connection):
    """The merchant's VK user token (pasted or from VK ID OAuth) and the community whose shop we fill."""

    class Source(models.TextChoices):
        OAUTH = "oauth", "VK ID"
        MANUAL = "manual", "Вручную"

    merchant = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vk_connection", verbose_name="продавец"
    )
    access_token = EncryptedTextField("токен доступа", blank=True)
    refresh_token = EncryptedTextField("токен обновления", blank=True)
    token_expires_at = models.DateTimeField("токен истекает", null=True, blank=True)
    device_id = models.CharField("устройство VK ID", max_length=255, blank=True)
    source = models.CharField("как подключено", max_length=16, choices=Source.choices, default=Source.MANUAL)
    vk_user_id = models.BigIntegerField("пользователь VK", null=True, blank=True)
    vk_user_name = models.CharField("пользователь VK", max_length=255, blank=True)
    group_id = models.BigIntegerField("сообщество (id)", null=True, blank=True)
    group_name = models.CharField("сообщество", max_length=255, blank=True)
    group_screen_name = models.CharField("короткое имя сообщества", max_length=255, blank=True)
    # The community refused the bulk photo upload once: its pictures go one save each, without asking again.
    photo_bulk_refused_at = models.DateTimeField("массовая загрузка фото отклонена", null=True, blank=True)
    # The community's own token (orders, the Callback API, messages to the merchant): optional.
    community_token = EncryptedTextField("токен сообщества", blank=True)
    community_token_error = models.TextField("ошибка токена сообщества", blank=True)
    # The Callback API: VK posts the community's events to /vk/callback/<callback_path> with callback_secret.
    callback_path = models.CharField("адрес Callback API", max_length=64, null=True, blank=True, unique=True)
    callback_secret = EncryptedTextField("секретный ключ Callback API", blank=True)
    callback_confirmation = models.CharField("строка подтверждения Callback API", max_length=64, blank=True)
    callback_server_id = models.PositiveIntegerField("сервер Callback API в VK", null=True, blank=True)
    callback_confirmed_at = models.DateTimeField("Callback API подтверждён", null=True, blank=True)

    class Meta:
        verbose_name = "подключение VK"
        verbose_name_plural = "подключения VK"
        indexes = [
            models.Index(fields=["status"], name="vkconnection_status"),
            # The other merchants of a community (vksync.community, on every store of a VK shop read).
            models.Index(fields=["group_id"], name="vkconnection_group"),
        ]

    def __str__(self):
        return f"VK: {self.merchant} → {self.group_name or self.group_id}"

    @property
    def owner_id(self) -> int:
        """VK addresses a community's shop as owner_id = -group_id."""
        return -int(self.group_id)

    @property
    def has_community_token(self) -> bool:
        return bool(self.community_token)
