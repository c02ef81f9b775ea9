"""`make bench-fleet`'s scenario: many shops of seeded sizes, each with its own Evotor token, VK token and community.

Sizes: `shops` small shops of `small_min`–`small_max` products (log-uniform, seeded), plus `big` shops of
`big_products`. VK keeps at most 15,000 items a community (error 1405, the emulator's `max_items`), so a big shop
holds its products in `BIG_STORES` stores and publishes all but one of them (15,000 products of 20,000). Time is
scaled as in `make bench` (VK's 3 requests/s per token × `time_factor`); the hour of incremental work lasts
`hour_seconds` (3,600 s ÷ the time factor unless told).
"""

import math
import random
from dataclasses import asdict, dataclass

from tools.bench.scenario import REAL_VK_RATE, Merchant, Scenario, World

BIG_STORES = 4  # a big shop's stores; it publishes BIG_STORES - 1 of them (VK: at most 15,000 items)
HOUR = 3600


@dataclass
class FleetScenario:
    shops: int = 500
    small_min: int = 200
    small_max: int = 2000
    big: int = 3
    big_products: int = 20_000
    image_share: float = 0.05
    change_share: float = 0.01  # of each small shop's products, changed in Evotor per "hour"
    big_change_share: float = 1.0  # of each big shop's: a new price list as the hour begins (long runs, see docs)
    vk_rate: float = 30.0  # per token: VK's 3/s × the time factor, in the emulator and in EvoSync's limiter
    latency: float = 0.01  # VK's ~0.1 s per request at the same factor
    hour_seconds: float = 0.0  # 0: 3,600 s ÷ the time factor
    nodes: int = 3  # worker processes standing in for worker nodes
    concurrency: int = 16  # per node, as compose's worker runs (CELERY_WORKER_CONCURRENCY)
    pool: str = "threads"  # as compose's worker runs (CELERY_WORKER_POOL): waiting for VK costs no process
    queues: str = ""  # the nodes' -Q (comma-separated); empty: the worker's default (every queue the app declares)
    slice_seconds: float = 0.0  # SYNC_SLICE_SECONDS for the workers; 0: the engine's default ÷ the time factor
    drain_seconds: float = 10800.0  # the longest a phase may take to end (the full run's first syncs: ~1 h here)
    seed: int = 1

    @property
    def time_factor(self) -> float:
        return self.vk_rate / REAL_VK_RATE

    @property
    def hour(self) -> float:
        return self.hour_seconds or HOUR / self.time_factor

    def sizes(self) -> list[int]:
        """Products per shop: the small ones log-uniform between small_min and small_max (seeded), then the big."""
        rng = random.Random(f"fleet-sizes-{self.seed}")
        low, high = math.log(self.small_min), math.log(self.small_max)
        small = [round(math.exp(rng.uniform(low, high))) for _ in range(self.shops)]
        return small + [self.big_products] * self.big

    def as_dict(self) -> dict:
        return asdict(self) | {"time_factor": self.time_factor, "hour": self.hour}

    def bench_scenario(self) -> Scenario:
        """The single-shop bench's scenario with this run's VK rules (worker_env reads them)."""
        return Scenario(
            products=max(self.sizes(), default=self.small_max),
            image_share=self.image_share,
            vk_rate=self.vk_rate,
            latency=self.latency,
            seed=self.seed,
        )


QUICK = {"shops": 50, "big": 1, "big_products": 5000, "hour_seconds": 120.0}
TINY = {"shops": 6, "small_min": 20, "small_max": 60, "big": 1, "big_products": 240, "vk_rate": 300.0,
        "latency": 0.0, "hour_seconds": 8.0, "nodes": 2, "concurrency": 2, "pool": "threads",
        "change_share": 0.1, "big_change_share": 0.5,
        "drain_seconds": 240.0}  # fmt: skip  # a phase stuck in the test fails within minutes, not hours


@dataclass
class Shop:
    key: str
    merchant: Merchant
    products: int
    big: bool
    stores: list[str]
    published: list[str]  # the stores the merchant publishes in VK


class FleetWorld(World):
    """The emulators of `World` (one process, threads) holding every shop of the fleet."""

    def __init__(self, fleet: FleetScenario):
        super().__init__(fleet.bench_scenario())
        self.fleet = fleet
        self.vk.max_items = 15000  # VK's limit per community (the emulator's default, stated for the reader)
        self.shops: dict[str, Shop] = {}

    def add_shop(self, key: str, products: int, *, big: bool) -> Shop:
        merchant = Merchant(key=key, number=len(self.merchants) + 1, run=self.run)
        stores = BIG_STORES if big else 1
        per_store = max(1, products // stores)
        groups = max(2, min(20, per_store // 100))
        catalog = self.evotor.add_merchant(
            token=merchant.evotor_token,
            user_id=f"01-{merchant.number:015d}",
            seed=self.fleet.seed * 100_000 + merchant.number,
            stores=stores,
            groups=groups,
            products=per_store,
            image_share=self.fleet.image_share,
        )
        self.vk.add_user(token=merchant.vk_token, user_id=merchant.vk_user_id, name=f"Продавец {merchant.number}")
        self.vk.add_community(
            group_id=merchant.group_id, name=f"Магазин {merchant.number}", admins=[merchant.vk_user_id]
        )
        self.merchants[key], self.catalogs[key] = merchant, catalog
        published = catalog["stores"][: stores - 1] if big else catalog["stores"]
        shop = Shop(key, merchant, per_store * stores, big, catalog["stores"], published)
        self.shops[key] = shop
        return shop

    def change_share(self, key: str, share: float, *, hour: int) -> int:
        """Price and name of `share` of the shop's products changed in Evotor (seeded per shop and hour)."""
        token = self.merchants[key].evotor_token
        ids = sorted(self.product_ids(key))
        chosen = random.Random(f"fleet-change-{self.fleet.seed}-{key}-{hour}").sample(
            ids, min(len(ids), math.ceil(len(ids) * share))
        )
        for pid in chosen:
            product = self.evotor.product(token, pid)
            self.evotor.update_product(token, pid, price=round(float(product["price"]) * 1.07 + 1, 2),
                                       name=f"{product['name'][:80]} {hour + 1}")  # fmt: skip
        return len(chosen)
