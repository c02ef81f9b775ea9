"""What `catalog` announces.

`catalog_changed(merchant, trigger)`: the merchant's Evotor catalog may have changed (a refresh finished, or
Evotor pushed products). `trigger` is "refresh" or "webhook"; `vksync` listens and queues a debounced sync.
"""

from django.dispatch import Signal

catalog_changed = Signal()
