"""No secret ever reaches the trail: token and password values are replaced before anything is written."""

import re

HIDDEN = "•••• (скрыто)"
# A key naming a secret, in English or in Russian (the explicit events key their changes by words).
SECRET_KEY = re.compile(r"token|password|secret|passwd|api_key|токен|пароль|секрет|ключ", re.IGNORECASE)


def hide(value) -> str:
    """django-auditlog's mask for the secret fields: nothing of the value is kept, only whether there was one."""
    return HIDDEN if value not in (None, "", "None") else ""


def scrub(changes: dict | None) -> dict | None:
    """The changes {what: [before, after]} with every secret's values hidden."""
    if not changes:
        return changes
    return {key: _scrub_pair(key, pair) for key, pair in changes.items()}


def _scrub_pair(key, pair):
    if SECRET_KEY.search(str(key)):
        return [hide(value) for value in pair] if isinstance(pair, list | tuple) else hide(pair)
    return pair
