"""What `connections` announces; the apps above listen (connections never queues another app's task).

- `evotor_token_received(merchant_id)`: a working Evotor token may be there now (saved by the merchant, sent
  by Evotor, or the app installed again): whoever caches the catalog reads it.
- `evotor_catalog_pushed(merchant_id)`: Evotor pushed a product made on a terminal: the catalog changed.
- `evotor_stock_moved(merchant_id, products)`: Evotor notified a receipt or a store document (or its Events API
  said so): the stock or price of these products moved. `products` is a list of `[store id, product id]`
  (Evotor's ids; the store id may be empty when Evotor did not say).
- `vk_connected(merchant_id)`: the merchant connected a VK community that VK showed usable (token and
  community checked): whoever prepares the first sync may plan it now.
- `connection_broken(merchant_id, kind, reason)`: the Evotor or VK connection just stopped working
  (`kind` is "evotor" or "vk", `reason` in the merchant's words). Sent once per breakage.
"""

from django.dispatch import Signal

evotor_token_received = Signal()
evotor_catalog_pushed = Signal()
evotor_stock_moved = Signal()
connection_broken = Signal()
vk_connected = Signal()
