"""Who acts and from where, for the request being served: set once by middleware, read when an event is written.

Services record events without an `actor` or an `ip` in their signatures: `accounts.middleware` binds the request's
user and its proxy-aware address here (lazily: nothing is read unless an event is written). Outside a request
(Celery, manage.py) nothing is bound and events are the system's.
"""

import contextlib
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Acting:
    actor: Callable[[], object | None]
    ip: Callable[[], str | None]


_acting: ContextVar[Acting | None] = ContextVar("audit_acting", default=None)


@contextlib.contextmanager
def acting(*, actor: Callable[[], object | None], ip: Callable[[], str | None]):
    """Within this block, events are written as done by `actor()` from `ip()` (both called when needed)."""
    token = _acting.set(Acting(actor=actor, ip=ip))
    try:
        yield
    finally:
        _acting.reset(token)


def current_actor():
    """The signed-in user acting now, or None (anonymous, Evotor's webhooks, the system)."""
    bound = _acting.get()
    user = bound.actor() if bound else None
    return user if getattr(user, "is_authenticated", False) else None


def current_ip() -> str | None:
    bound = _acting.get()
    return bound.ip() if bound else None
