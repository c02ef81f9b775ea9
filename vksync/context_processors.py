"""What every merchant page may show about the sync, computed only when a template asks (lazily).

- `setup_unfinished`: the guided start is not over (the menu shows «Начало» until the first sync went through).
- `vk_count`: the one count of products going to VK and why the others do not (`vksync.counts`), for the
  catalog and VK shop pages, which cannot import vksync (the arrows point down); a view may pass its own.
- `vk_shop_count`: the VK shop as last read, beside that count.
"""

from django.utils.functional import SimpleLazyObject

from accounts.access import current_shop
from vksync.counts import vk_count, vk_shop_count
from vksync.selectors import first_sync_done


def sync_state(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # The shop the pages show (accounts.access); a person who belongs to no shop has none of these.
    count = SimpleLazyObject(lambda: vk_count(merchant=current_shop(request)))
    return {
        "setup_unfinished": SimpleLazyObject(
            lambda: current_shop(request) is not None and not first_sync_done(current_shop(request))
        ),
        "vk_count": count,
        "vk_shop_count": SimpleLazyObject(lambda: vk_shop_count(merchant=current_shop(request), expected=count.to_vk)),
    }
