"""Secrets at rest: a text field stored Fernet-encrypted with FIELD_ENCRYPTION_KEY."""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(key: str, secret_key: str) -> MultiFernet:
    keys = [k.strip() for k in key.split(",") if k.strip()]  # first key encrypts; all decrypt (rotation)
    if not keys:
        keys = [base64.urlsafe_b64encode(hashlib.sha256(f"evosync-fields:{secret_key}".encode()).digest()).decode()]
    return MultiFernet([Fernet(k) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(settings.FIELD_ENCRYPTION_KEY, settings.SECRET_KEY)


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(value: str) -> str:
    return fernet().decrypt(value.encode()).decode()


class EncryptedTextField(models.TextField):
    """Holds a secret such as an API token; the database only ever sees ciphertext."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        try:
            return decrypt(value)
        except InvalidToken as exc:
            raise ValueError(
                f"{self.model.__name__}.{self.name} cannot be decrypted: wrong FIELD_ENCRYPTION_KEY"
            ) from exc

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value


def mask(secret: str) -> str:
    """What a page may show of a token: its last four characters."""
    if not secret:
        return ""
    return "••••" + secret[-4:] if len(secret) > 8 else "••••"
