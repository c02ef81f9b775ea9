import re
from urllib.parse import urlsplit

from django.conf import settings

from accounts.tests.factories import DEFAULT_PASSWORD


def link_in(message) -> str:
    """The path of the one EvoSync link in a mail (links are built on BASE_URL)."""
    urls = re.findall(re.escape(settings.BASE_URL) + r"/\S+", message.body)
    assert len(urls) == 1, message.body
    return urlsplit(urls[0]).path


def log_in(client, email, password=DEFAULT_PASSWORD, **extra):
    return client.post("/login", {"login": email, "password": password}, **extra)
