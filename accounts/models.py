import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, Group, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts import roles, team_roles


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("An email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True, status=User.Status.ACTIVE)
        user = self._create(email, password, **fields)
        # `createsuperuser` makes a `system` user; the group exists once migrations have run.
        user.groups.add(*Group.objects.filter(name=roles.SYSTEM))
        return user

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A merchant or a staff member. Email is the login; only `active` users may log in."""

    class Status(models.TextChoices):
        PENDING = "pending", "Ожидает подтверждения"
        ACTIVE = "active", "Активен"
        SUSPENDED = "suspended", "Заблокирован"

    email = models.EmailField("электронная почта", unique=True)
    full_name = models.CharField("имя", max_length=150, blank=True)
    phone = models.CharField("телефон", max_length=32, blank=True)
    status = models.CharField("статус", max_length=16, choices=Status.choices, default=Status.PENDING)
    is_staff = models.BooleanField("сотрудник", default=False)
    # Kept equal to `status == active` by save(): Django, allauth and axes all read it.
    is_active = models.BooleanField("может входить", default=False, editable=False)
    date_joined = models.DateTimeField("дата регистрации", default=timezone.now)
    # The language of the merchant's mails sent outside a request (from the admin, by tasks).
    language = models.CharField("язык писем", max_length=8, choices=settings.LANGUAGES, default="ru")
    # How the merchant is told of new VK orders, a broken connection, a sync that failed twice (notifications).
    notify_by_mail = models.BooleanField("уведомления письмом", default=True)
    notify_by_vk = models.BooleanField("уведомления сообщением VK", default=False)
    # Raised by every suspension: it is part of the session hash, so sessions opened before a suspension
    # stay dead when the account is activated again (see get_session_auth_hash).
    session_epoch = models.PositiveIntegerField("поколение сессий", default=0, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = "пользователь"
        verbose_name_plural = "пользователи"
        ordering = ["email"]
        # The staff dashboard counts merchants by status.
        indexes = [models.Index(fields=["is_staff", "status"], name="user_staff_status")]
        # A merchant's account is their shop: the team's rights on it are guardian object permissions.
        permissions = team_roles.PERMISSIONS

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        self.is_active = self.status == self.Status.ACTIVE
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "status" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_active"}
        super().save(*args, **kwargs)

    @property
    def role(self) -> str | None:
        """The user's role (`system`, `admin`, `user`): the role group they belong to."""
        names = {group.name for group in self.groups.all()}
        return next((role for role in roles.ROLES if role in names), None)

    def get_session_auth_hash(self):
        """Django's hash of the password, and of the session epoch once there has been a suspension:
        a session carries the hash it was opened with, so a suspension ends every session for good."""
        return self._with_epoch(super().get_session_auth_hash(), secret=None)

    def get_session_auth_fallback_hash(self):
        hashes = super().get_session_auth_fallback_hash()  # one per fallback secret, in order
        for fallback_secret, password_hash in zip(settings.SECRET_KEY_FALLBACKS, hashes, strict=True):
            yield self._with_epoch(password_hash, secret=fallback_secret)

    def _with_epoch(self, password_hash: str, *, secret) -> str:
        if not self.session_epoch:  # never suspended: Django's own hash, so no session ends on deploy
            return password_hash
        salt = "accounts.User.get_session_auth_hash.epoch"
        return salted_hmac(salt, f"{password_hash}:{self.session_epoch}", secret=secret, algorithm="sha256").hexdigest()

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


def hash_token(token: str) -> str:
    """Invite tokens are stored as their SHA-256: a leaked table opens no invite."""
    return hashlib.sha256(token.encode()).hexdigest()


class InviteQuerySet(models.QuerySet):
    def by_token(self, token: str):
        return self.filter(token_hash=hash_token(token)).first()

    def open(self):
        return self.filter(used_at__isnull=True, expires_at__gt=timezone.now())


class Invite(models.Model):
    """A staff invitation: the emailed `/invite/<token>` link lets the person set a password, once."""

    email = models.EmailField("электронная почта")
    token_hash = models.CharField("хеш ссылки", max_length=64, unique=True, editable=False)
    language = models.CharField("язык письма", max_length=8, choices=settings.LANGUAGES, default="ru")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="пригласил",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("создано", default=timezone.now, editable=False)
    expires_at = models.DateTimeField("действует до", editable=False)
    used_at = models.DateTimeField("использовано", null=True, blank=True, editable=False)

    objects = InviteQuerySet.as_manager()

    class Meta:
        verbose_name = "приглашение"
        verbose_name_plural = "приглашения"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["email"])]

    def __str__(self):
        return self.email

    @property
    def is_used(self) -> bool:
        return self.used_at is not None

    @property
    def is_expired(self) -> bool:
        return not self.is_used and self.expires_at <= timezone.now()

    @property
    def state(self) -> str:
        if self.is_used:
            return "использовано"
        return "истекло" if self.is_expired else "действует"


class TeamInviteQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class TeamInvite(models.Model):
    """A shop owner's invitation of a colleague, with the role they will have (accounts.team_roles).

    The mailed link carries the invite's id signed with a timestamp (accounts.team): it expires on its own,
    and the row says whether it was accepted or revoked meanwhile."""

    shop = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="магазин", on_delete=models.CASCADE, related_name="team_invites"
    )
    email = models.EmailField("электронная почта")
    role = models.CharField("роль", max_length=16, choices=team_roles.ROLE_CHOICES)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="пригласил",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("создано", default=timezone.now)
    expires_at = models.DateTimeField("действует до")
    accepted_at = models.DateTimeField("принято", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="принял",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField("отозвано", null=True, blank=True)

    objects = TeamInviteQuerySet.as_manager()

    class Meta:
        verbose_name = "приглашение в команду"
        verbose_name_plural = "приглашения в команду"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["shop", "email"])]

    def __str__(self):
        return f"{self.email} → {self.shop}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()
