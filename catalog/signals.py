"""What `catalog` announces.

`catalog_changed(merchant, trigger)`: the merchant's Evotor catalog may have changed (a refresh finished, or
Evotor pushed products). `trigger` is "refresh" or "webhook"; `vksync` listens and queues a debounced sync.
`selection_changed(merchant_id)`: the merchant switched a store or a group on or off (the choice of what goes to
VK); before the first sync `vksync` computes the plan the merchant is to confirm.
"""

from django.dispatch import Signal

catalog_changed = Signal()
selection_changed = Signal()
