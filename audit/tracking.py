"""Model changes the trail keeps, through django-auditlog: each app registers its models in its ready().

`track(Model, fields=..., secret=..., event=..., merchant=...)` registers the model with auditlog (only the listed
fields; the secret ones masked by `masking.hide`, so a token never reaches the table) and says how a change reads:
`event(instance, action, changes)` names it (an `Event`, or None: not kept), `merchant(instance)` is whose it is.
"""

from collections.abc import Callable
from dataclasses import dataclass

from auditlog.registry import auditlog

from audit import context
from audit.models import Event

MASK = "audit.masking.hide"


@dataclass(frozen=True)
class Tracking:
    event: Callable[[object, int | None, dict], str | None]
    merchant: Callable[[object], object | None]


_tracked: dict[type, Tracking] = {}


def track(model, *, fields: list[str], event, merchant, secret: tuple[str, ...] = (), m2m: tuple[str, ...] = ()):
    auditlog.register(
        model,
        include_fields=[*fields, *secret],
        mask_fields=list(secret),
        mask_callable=MASK,
        m2m_fields=set(m2m),
    )
    _tracked[model] = Tracking(event=event, merchant=merchant)


def describe(instance, action: int | None, changes: dict) -> dict | None:
    """The trail's columns for an auditlog entry about `instance`; None when the trail does not keep it."""
    tracking = _tracked.get(type(instance))
    if tracking is None:
        return None
    event = tracking.event(instance, action, changes)
    if event is None:
        return None
    return {"event": event, **who(tracking.merchant(instance))}


def who(merchant) -> dict:
    """The columns every event shares: whose account, who acted and from where (the request being served)."""
    actor = context.current_actor()
    # Ids, not objects: an account being deleted has lost its pk by the time its last rows are written.
    return {
        "merchant_id": getattr(merchant, "pk", None),
        "merchant_email": getattr(merchant, "email", "") or "",
        "actor_id": getattr(actor, "pk", None),
        "actor_email": getattr(actor, "email", None),
        "remote_addr": context.current_ip(),
    }


__all__ = ["Event", "track", "describe", "who"]
