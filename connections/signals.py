"""Signals that let lower layers announce events without importing the apps above them.

`catalog_changed`: the merchant's Evotor catalog changed (a refresh finished, or Evotor sent an
event/webhook). Sent by `catalog` and `webhooks` with `merchant=<User>` and `trigger="refresh"`
or `"webhook"`; `vksync` listens and schedules a (debounced) sync.
"""

from django.dispatch import Signal

catalog_changed = Signal()
