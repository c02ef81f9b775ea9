"""Stock held back for the merchant's open VK orders: what the sync sends is the register's stock less it.

An order reserves its items' stock in VK at once (`orders.reservations`); a full sync or a stock push that sent
the register's stock as it is would give the reservation away while the order is still open. Orders sit above
vksync, so vksync cannot ask them: `orders` registers the one question here in its AppConfig.ready — how many
units of which products are reserved by a merchant's open orders, in one query for a batch of products (or for
all of them). With nothing registered (orders not installed) nothing is held back.
"""

from collections.abc import Callable, Iterable
from decimal import Decimal

# (merchant_id=, product_ids=None or an iterable of product ids) → {product id: units reserved}
ReservedSource = Callable[..., dict[int, int]]

_source: ReservedSource | None = None


def provide(source: ReservedSource | None) -> None:
    """Register the answer to "how much of these products is reserved" (orders' AppConfig.ready)."""
    global _source
    _source = source


def reserved_units(*, merchant_id: int, product_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Product id → units held back for open orders; only products with a reservation are named.
    `product_ids` None: every product of the merchant's (a full sync); else those only."""
    if _source is None:
        return {}
    if product_ids is not None:
        product_ids = list(product_ids)
        if not product_ids:
            return {}
    return {int(pk): int(units) for pk, units in _source(merchant_id=merchant_id, product_ids=product_ids).items()}


def less_reserved(product: dict, reserved: dict[int, int]) -> dict:
    """The product's values with its reserved units taken off its stock (never below zero): the rules then give
    VK's stock and availability from what is left to sell."""
    units = reserved.get(product["id"])
    if not units:
        return product
    left = Decimal(product.get("quantity") or 0) - units
    return {**product, "quantity": max(left, Decimal(0))}
