"""What the profile page may show about the notification channels, computed only when a template asks.

- `vk_channel_problem`: why a message from the community cannot reach the merchant ("" when it can); the
  profile (accounts) cannot import connections, the arrows point down.
"""

from django.utils.functional import SimpleLazyObject

from notifications.services import vk_channel_problem as problem


def notification_channels(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"vk_channel_problem": SimpleLazyObject(lambda: problem(user))}
