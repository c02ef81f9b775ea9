"""What `catalog` announces.

`catalog_changed(merchant, trigger)`: the merchant's Evotor catalog may have changed (a refresh finished, or
Evotor pushed products). `trigger` is "refresh" or "webhook"; `vksync` listens and queues a debounced sync.
`selection_changed(merchant_id)`: the merchant switched a store or a group on or off (the choice of what goes to
VK); before the first sync `vksync` computes the plan the merchant is to confirm.
`stock_changed(merchant, before)`: a stock recheck read new quantities or prices for some products from Evotor.
`before` is `{product pk (str): {"price", "quantity", "allow_to_sell"}}`, the values the cache held until then
(as text); `vksync` pushes the stock-and-price edits of those products alone.
"""

from django.dispatch import Signal

catalog_changed = Signal()
selection_changed = Signal()
stock_changed = Signal()
