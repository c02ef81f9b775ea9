"""The client's address, as login throttling (django-axes) and allauth's rate limits key on it.

Behind a reverse proxy REMOTE_ADDR is the proxy's own address, the same for every merchant: keyed on it,
one attacker's wrong passwords would lock everybody out. Each trusted proxy appends the address it was
connected from to X-Forwarded-For, so the real hop chain is X-Forwarded-For + REMOTE_ADDR, and the client
is the hop just before our proxies. python-ipware picks it (the count or the list of trusted proxies);
whatever stands further left was written by the client itself and is ignored. With no proxy trusted
(the default) X-Forwarded-For is not read at all: a forged one changes nothing.
"""

from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from python_ipware import IpWare

CHAIN_HEADER = "HTTP_X_FORWARDED_FOR"


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from, seen through the trusted proxies (REMOTE_ADDR if none is trusted)."""
    remote = request.META.get("REMOTE_ADDR") or None
    resolver = _resolver(settings.TRUSTED_PROXY_COUNT, tuple(settings.TRUSTED_PROXY_IPS))
    forwarded = request.META.get(CHAIN_HEADER, "").strip()
    if resolver is None or not forwarded or not remote:
        return remote
    ip, _trusted = resolver.get_client_ip({CHAIN_HEADER: f"{forwarded}, {remote}"}, strict=False)
    # A chain too short for our proxies, or a last hop that isn't one of them (someone reached `web` directly):
    # nothing in it is believed, and the connection's own address counts.
    return str(ip) if ip is not None else remote


def proxy_resolver(count: int, trusted_ips: tuple[str, ...]) -> IpWare | None:
    """python-ipware set to our proxies: the last `count` hops (the list pins each by address). None: no proxy."""
    if not count and not trusted_ips:
        return None
    # Not strict: extra hops on the left are the client's to write, never a reason to distrust ours.
    return IpWare(precedence=(CHAIN_HEADER,), proxy_count=count or None, proxy_list=list(trusted_ips) or None)


_resolver = lru_cache(maxsize=8)(proxy_resolver)
