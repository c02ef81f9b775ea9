"""The data the Evotor emulator holds: each merchant's catalog (stores, product groups, products, pictures).

`EvotorState` (a mixin of `EvotorEmulator`) holds it, seeds it from `generator` and changes it as a
merchant would in Evotor, without API calls. Catalogs are keyed by the merchant's cloud token.
"""

import random
import time
import uuid
from dataclasses import dataclass, field

from emulators.evotor.generator import _uuid, generate_catalog, make_product, now_evotor_time

PICTURE_COUNTS, PICTURE_WEIGHTS = (1, 2, 3, 4, 5), (0.3, 0.25, 0.2, 0.15, 0.1)  # a photo-rich shop: mean 2.5
SHARED_PICTURES = 0.2  # of its pictures, shared with other products


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
        self._image_bytes: dict[str, bytes] = {}  # image id -> bytes given as they are (set_images)

    def add_merchant(
        self,
        token: str = "tok-1",
        user_id: str = "01-000000000000001",
        seed: int = 1,
        stores: int = 2,
        groups: int = 10,
        products: int = 500,
        image_share: float = 0.05,
        variant_cards: int = 0,
        many_pictures: bool = False,
    ) -> dict:
        """Generate a catalog (groups and products are per store) and return its ids.

        `image_share` of the products get one picture; with `many_pictures` every product gets 1–5 (a photo-rich
        shop, see `_pictures_of`) instead. `variant_cards`: products with modifications per store (a group
        declaring attributes, a product per modification); `cards` in the answer maps each such group to its
        modifications."""
        merchant = Merchant(user_id=user_id, seed=seed)
        rng = random.Random(f"images-{seed}")
        shared: list[dict] = []
        parts = generate_catalog(
            seed=seed, user_id=user_id, stores=stores, groups=groups, products=products, variant_cards=variant_cards
        )
        for part in parts:
            store_id = part["store"]["id"]
            merchant.stores[store_id] = part["store"]
            merchant.groups[store_id] = {g["id"]: g for g in part["groups"]}
            merchant.products[store_id] = {p["id"]: p for p in part["products"]}
            for product in part["products"]:
                if many_pictures:
                    merchant.images[product["id"]] = self._pictures_of(rng, merchant, product, shared, products)
                elif rng.random() < image_share:
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
            "cards": {
                group["id"]: [p["id"] for p in part["products"] if p["parent_id"] == group["id"]]
                for part in parts
                for group in part["groups"]
                if group.get("attributes")
            },
        }

    def _pictures_of(self, rng, merchant: Merchant, product: dict, shared: list, products: int) -> list[dict]:
        """1–5 pictures (mean 2.5); a fifth of them shared with other products (one pool per catalog, a tenth
        of the products in size). Plain JPEG cards: a photo-rich catalog is generated quickly."""
        count = rng.choices(PICTURE_COUNTS, weights=PICTURE_WEIGHTS)[0]
        pictures, seen = [], set()
        for _ in range(count):
            if rng.random() < SHARED_PICTURES:
                if len(shared) < max(1, products // 10):
                    shared.append(self._make_image(rng, merchant, product, caption=False, extension="jpg"))
                image = {**rng.choice(shared), "product_id": product["id"], "store_id": product["store_id"]}
            else:
                image = self._make_image(rng, merchant, product, caption=False, extension="jpg")
            if image["id"] not in seen:
                seen.add(image["id"])
                pictures.append(image)
        return pictures

    def _make_image(
        self, rng: random.Random, merchant: Merchant, product: dict, *, caption: bool = True, extension: str = ""
    ) -> dict:
        image_id = _uuid(rng)
        extension = extension or ("png" if rng.random() < 0.5 else "jpg")
        self._image_ids.add(image_id)
        if caption:
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

    def add_modification(self, token: str, group_id: str, choices: dict[str, str], **fields) -> dict:
        """A new modification of the card `group_id`: {attribute name: choice name}; a choice the group does not
        declare yet is added to it (as a merchant adds a size in Evotor)."""
        with self._lock:
            merchant = self._merchant(token)
            store_id = next(s for s, groups in merchant.groups.items() if group_id in groups)
            group = merchant.groups[store_id][group_id]
            picked = {}
            for attribute in group["attributes"]:
                name = choices[attribute["name"]]
                choice = next((c for c in attribute["choices"] if c["name"] == name), None)
                if choice is None:
                    choice = {"id": str(uuid.uuid4()), "name": name}
                    attribute["choices"].append(choice)
                    group["updated_at"] = now_evotor_time()
                picked[attribute["id"]] = choice["id"]
            sibling = next(p for p in merchant.products[store_id].values() if p.get("parent_id") == group_id)
            product = {
                **sibling,
                "id": str(uuid.uuid4()),
                "name": f"{group['name']}, " + ", ".join(choices.values()),
                "barcodes": [],
                "attributes_choices": picked,
                "updated_at": now_evotor_time(),
                **fields,
            }
            merchant.products[store_id][product["id"]] = product
            self._sorted_ids.clear()
            return dict(product)

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

    def set_images(self, token: str, product_id: str, pictures: list) -> list[dict]:
        """Give a product these pictures, in order: each a seed (a generated card) or (bytes, extension) served
        as they are — a picture VK would refuse, for instance. Returns the image objects."""
        with self._lock:
            merchant = self._merchant(token)
            product = self.product(token, product_id)
            images = []
            for number, picture in enumerate(pictures):
                rng = random.Random(f"{product_id}-{number}-{picture if isinstance(picture, str) else time.time_ns()}")
                if isinstance(picture, str):
                    images.append(self._make_image(rng, merchant, product))
                    continue
                content, extension = picture
                image = self._make_image(rng, merchant, product, caption=False, extension=extension)
                image["url"] = f"/images/{image['id']}.{extension}"
                self._image_bytes[image["id"]] = content
                images.append(image)
            merchant.images[product_id] = images
            return images

    def image_products(self, token: str) -> list[str]:
        return list(self._merchant(token).images)
