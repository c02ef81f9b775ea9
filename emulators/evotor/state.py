"""The data the Evotor emulator holds: each merchant's catalog (stores, product groups, products, pictures).

`EvotorState` (a mixin of `EvotorEmulator`) holds it, seeds it from `generator` and changes it as a
merchant would in Evotor, without API calls. Catalogs are keyed by the merchant's cloud token.
"""

import random
import time
from dataclasses import dataclass, field

from emulators.evotor.generator import _uuid, generate_catalog, make_product, now_evotor_time


@dataclass
class Merchant:
    user_id: str
    seed: int
    stores: dict = field(default_factory=dict)  # store_id -> store
    groups: dict = field(default_factory=dict)  # store_id -> {group_id: group}
    products: dict = field(default_factory=dict)  # store_id -> {product_id: product}
    images: dict = field(default_factory=dict)  # product_id -> [image]
    forbidden: bool = False


class EvotorState:
    """What `EvotorEmulator` holds, seeding and changes (a mixin: it shares the emulator's lock)."""

    def _init_state(self) -> None:
        self._merchants: dict[str, Merchant] = {}  # token -> merchant
        self._sorted_ids: dict[int, list[str]] = {}  # paging cache, dropped on writes
        self._image_ids: set[str] = set()
        self._image_captions: dict[str, str] = {}  # image id -> the product's name when it was taken

    def add_merchant(
        self,
        token: str = "tok-1",
        user_id: str = "01-000000000000001",
        seed: int = 1,
        stores: int = 2,
        groups: int = 10,
        products: int = 500,
        image_share: float = 0.05,
    ) -> dict:
        """Generate a catalog (groups and products are per store) and return its ids."""
        merchant = Merchant(user_id=user_id, seed=seed)
        rng = random.Random(f"images-{seed}")
        for part in generate_catalog(seed=seed, user_id=user_id, stores=stores, groups=groups, products=products):
            store_id = part["store"]["id"]
            merchant.stores[store_id] = part["store"]
            merchant.groups[store_id] = {g["id"]: g for g in part["groups"]}
            merchant.products[store_id] = {p["id"]: p for p in part["products"]}
            for product in part["products"]:
                if rng.random() < image_share:
                    merchant.images[product["id"]] = [self._make_image(rng, merchant, product)]
        with self._lock:
            self._merchants[token] = merchant
            self._sorted_ids.clear()
        return {
            "token": token,
            "user_id": user_id,
            "stores": list(merchant.stores),
            "groups": {s: list(g) for s, g in merchant.groups.items()},
            "products": {s: list(p) for s, p in merchant.products.items()},
            "images": list(merchant.images),
        }

    def _make_image(self, rng: random.Random, merchant: Merchant, product: dict) -> dict:
        image_id = _uuid(rng)
        extension = "png" if rng.random() < 0.5 else "jpg"
        self._image_ids.add(image_id)
        self._image_captions[image_id] = product["name"]
        stamp = now_evotor_time()
        return {
            "id": image_id,
            "url": f"/images/{image_id}.{extension}",  # made absolute per request
            "meta": {"extension": extension, "file_size": 0, "width": 480, "height": 480},
            "product_id": product["id"],
            "store_id": product["store_id"],
            "user_id": merchant.user_id,
            "created_at": stamp,
            "updated_at": stamp,
        }

    def _merchant(self, token: str) -> Merchant:
        return self._merchants[token]

    def _find(self, token: str, product_id: str) -> tuple[str, dict]:
        for store_id, products in self._merchant(token).products.items():
            if product_id in products:
                return store_id, products
        raise KeyError(product_id)

    def product(self, token: str, product_id: str) -> dict:
        store_id, products = self._find(token, product_id)
        return dict(products[product_id])

    def stores(self, token: str) -> list[dict]:
        return list(self._merchant(token).stores.values())

    def products(self, token: str, store_id: str) -> list[dict]:
        return list(self._merchant(token).products[store_id].values())

    def groups(self, token: str, store_id: str) -> list[dict]:
        return list(self._merchant(token).groups[store_id].values())

    def update_product(self, token: str, product_id: str, **fields) -> dict:
        """Change a product's fields (updated_at moves) and return it."""
        with self._lock:
            _store_id, products = self._find(token, product_id)
            before = products[product_id]
            products[product_id] = after = {**before, **fields, "updated_at": now_evotor_time()}
        self._product_changed(token, before, after)  # the Events API's log; a store document when stock moved
        return dict(after)

    def add_product(self, token: str, store_id: str, /, **fields) -> dict:
        """A new product in `store_id` (generated, then `fields` applied)."""
        with self._lock:
            merchant = self._merchant(token)
            rng = random.Random(f"new-{len(merchant.products[store_id])}-{self.request_count}")
            names = {p["name"] for p in merchant.products[store_id].values()}
            groups = list(merchant.groups[store_id].values())
            product = make_product(rng, store_id, merchant.user_id, groups, 999999, names)
            product.update(fields)
            product["store_id"] = store_id
            merchant.products[store_id][product["id"]] = product
            self._sorted_ids.clear()
            return dict(product)

    def remove_product(self, token: str, product_id: str) -> None:
        with self._lock:
            _store_id, products = self._find(token, product_id)
            del products[product_id]
            self._merchant(token).images.pop(product_id, None)
            self._sorted_ids.clear()

    def remove_group(self, token: str, store_id: str, group_id: str) -> None:
        with self._lock:
            del self._merchant(token).groups[store_id][group_id]
            self._sorted_ids.clear()

    def remove_store(self, token: str, store_id: str) -> None:
        with self._lock:
            merchant = self._merchant(token)
            for mapping in (merchant.stores, merchant.groups, merchant.products):
                mapping.pop(store_id, None)
            self._sorted_ids.clear()

    def set_image(self, token: str, product_id: str, seed: str | None = None) -> dict:
        """Give a product a (new) picture; returns the image object."""
        with self._lock:
            merchant = self._merchant(token)
            product = self.product(token, product_id)
            image = self._make_image(random.Random(seed or f"{product_id}-{time.time_ns()}"), merchant, product)
            merchant.images[product_id] = [image]
            return image

    def image_products(self, token: str) -> list[str]:
        return list(self._merchant(token).images)
