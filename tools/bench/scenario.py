"""The benchmark's scenario (sizes as flags) and the worlds it runs in: emulators, merchants, the bench database."""

import math
import os
import random
import secrets
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ

from emulators.evotor.app import EvotorEmulator
from emulators.evotor.assortment import VARIANT_GOODS
from emulators.vk.app import VkEmulator

REAL_VK_RATE = 3  # requests per second per user token (../shared/reference/vk-api.md)
REAL_BACKOFF_SECONDS = 1.0  # VK_RETRY_BACKOFF_SECONDS's default


@dataclass
class Scenario:
    products: int = 10_000  # per merchant, over all its stores
    groups: int = 50  # per merchant, over all its stores
    stores: int = 2
    image_share: float = 0.05
    vk_rate: float = 30.0  # VK's 3 requests/s scaled by `time_factor`: same rules, minutes instead of hours
    latency: float = 0.01  # seconds the VK emulator takes per request (VK's ~0.1 s at the same time factor)
    evotor_latency: float = 0.0
    change_share: float = 0.01
    remove_share: float = 0.10
    two_merchants: bool = True
    photos: bool = True  # the photo-rich phases (first_sync_photos, and again with bulk refused)
    only_photos: bool = False  # those phases alone (after the Evotor refresh of the first merchant)
    photo_bulk: int = 5  # VK_PHOTO_BULK_FILES of the workers (0: one save per photo)
    photo_variants: float = 0.2  # share of the photo-rich catalog's products that are modifications in VK cards
    naive_budget: int = 1200  # naive requests measured per phase and merchant; the rest extrapolated (0: all)
    seed: int = 1

    @property
    def time_factor(self) -> float:
        return self.vk_rate / REAL_VK_RATE

    @property
    def per_store(self) -> tuple[int, int]:
        """(groups, products) per store."""
        return max(1, self.groups // self.stores), max(1, self.products // self.stores)

    def as_dict(self) -> dict:
        return asdict(self) | {"time_factor": self.time_factor}


QUICK = {"products": 1000, "groups": 10, "naive_budget": 300}


@dataclass
class Merchant:
    key: str
    number: int
    run: str

    @property
    def evotor_token(self) -> str:
        return f"bench-evotor-{self.run}-{self.number}"

    @property
    def vk_token(self) -> str:
        return f"bench-vk-{self.run}-{self.number}"

    @property
    def vk_user_id(self) -> int:
        return 100 + self.number

    @property
    def group_id(self) -> int:
        return 9000 + self.number

    def as_job(self) -> dict:
        return {
            "key": self.key,
            "email": f"bench-{self.number}@example.com",
            "name": f"Магазин {self.number}",
            "evotor_user_id": f"01-{self.number:015d}",
            "evotor_token": self.evotor_token,
            "vk_token": self.vk_token,
            "vk_user_id": self.vk_user_id,
            "group_id": self.group_id,
        }


class World:
    """The two emulators (in this process) and the merchants they know."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.run = secrets.token_hex(4)  # tokens differ per run: rate windows and locks never carry over
        self.evotor = EvotorEmulator(latency=scenario.evotor_latency)
        self.vk = VkEmulator(rate_limit_per_second=scenario.vk_rate, latency=scenario.latency)
        self.merchants: dict[str, Merchant] = {}
        self.catalogs: dict[str, dict] = {}

    def add_merchant(self, key: str, *, many_pictures: bool = False, variants: float = 0.0) -> Merchant:
        """A merchant with the scenario's catalog; `many_pictures`: every product with 1–5 pictures of its own
        (mean 2.5, a fifth shared between products) instead of `image_share` with one; `variants`: that share of
        its products are modifications of products with modifications (VK cards), the same number in all."""
        merchant = Merchant(key=key, number=len(self.merchants) + 1, run=self.run)
        groups, products = self.scenario.per_store
        cards = variant_cards_for(products, variants)
        products -= modifications_of(cards)
        self.catalogs[key] = self.evotor.add_merchant(
            token=merchant.evotor_token,
            user_id=f"01-{merchant.number:015d}",
            seed=self.scenario.seed + merchant.number - 1,
            stores=self.scenario.stores,
            groups=groups,
            products=products,
            image_share=self.scenario.image_share,
            many_pictures=many_pictures,
            variant_cards=cards,
        )
        self.vk.add_user(token=merchant.vk_token, user_id=merchant.vk_user_id, name=f"Продавец {merchant.number}")
        self.vk.add_community(
            group_id=merchant.group_id, name=f"Магазин {merchant.number}", admins=[merchant.vk_user_id]
        )
        self.merchants[key] = merchant
        return merchant

    def pictures(self, key: str, shown_in=None) -> int:
        """Distinct pictures of the merchant's products in Evotor (a shared one counts once); with `shown_in` (a VK
        shop), of the products shown there only (an unavailable product gets no item on a first sync)."""
        images = self.evotor._merchant(self.merchants[key].evotor_token).images
        if shown_in is not None:
            skus = {item.sku for item in shown_in.items.values() if not item.removed}
            images = {pid: pictures for pid, pictures in images.items() if pid in skus}
        return len({image["id"] for pictures in images.values() for image in pictures})

    def product_ids(self, key: str) -> list[str]:
        return [pid for ids in self.catalogs[key]["products"].values() for pid in ids]

    def change_products(self, key: str, share: float) -> list[str]:
        """Change price and name of `share` of the merchant's products in Evotor; returns their ids."""
        token = self.merchants[key].evotor_token
        ids = sorted(self.product_ids(key))
        chosen = random.Random(f"change-{self.scenario.seed}").sample(ids, math.ceil(len(ids) * share))
        for pid in chosen:
            product = self.evotor.product(token, pid)
            self.evotor.update_product(token, pid, price=round(float(product["price"]) * 1.07 + 1, 2),
                                       name=f"{product['name']} NEW")  # fmt: skip
        return chosen

    def remove_products(self, key: str, share: float, keep: list[str]) -> list[str]:
        token = self.merchants[key].evotor_token
        ids = sorted(set(self.product_ids(key)) - set(keep))
        chosen = random.Random(f"remove-{self.scenario.seed}").sample(ids, math.ceil(len(ids) * share))
        for pid in chosen:
            self.evotor.remove_product(token, pid)
        return chosen


def modifications_of(cards: int) -> int:
    """Products the Evotor emulator makes for `cards` products with modifications (one per combination)."""
    return sum(math.prod(len(choices) for _, choices in VARIANT_GOODS[n % len(VARIANT_GOODS)][3]) for n in range(cards))


def variant_cards_for(products: int, share: float) -> int:
    """The most cards whose modifications stay within `share` of `products`."""
    cards = 0
    while share > 0 and modifications_of(cards + 1) <= products * share:
        cards += 1
    return cards


# ----- the bench database -----------------------------------------------------------------------


def bench_database_url(*, explicit: str, configured: str, var_dir: Path) -> str:
    """The benchmark's own database: --database-url, else DATABASE_URL's server with a `_bench` database,
    else a SQLite file under var/bench/. Never the development database."""
    if explicit:
        return explicit
    if configured and not configured.startswith("sqlite"):
        parts = urlsplit(configured)
        name = parts.path.strip("/") or "evosync"
        if not name.endswith("bench"):
            name += "_bench"
        return urlunsplit(parts._replace(path=f"/{name}"))
    return f"sqlite:///{var_dir / 'bench.sqlite3'}"


def reset_database(url: str, *, guard: str = "bench") -> str:
    """Start from an empty database (its name must contain `guard`); returns the engine and version for the report."""
    config = environ.Env.db_url_config(url)
    if config["ENGINE"].endswith("sqlite3"):
        path = Path(config["NAME"])
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"SQLite {sqlite3.sqlite_version}"
    if not config["ENGINE"].endswith("mysql"):
        raise ValueError(f"the benchmark runs on SQLite or MariaDB/MySQL, not {config['ENGINE']}")
    name = config["NAME"]
    if guard not in name or not name.replace("_", "").isalnum():
        raise ValueError(f"refusing to reset database {name!r}: its name must contain {guard!r}")
    import MySQLdb

    conn = MySQLdb.connect(
        host=config.get("HOST") or "127.0.0.1",
        port=int(config.get("PORT") or 3306),
        user=config.get("USER") or "root",
        password=config.get("PASSWORD") or "",
    )
    try:
        cursor = conn.cursor()
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        version = conn.get_server_info()
    finally:
        conn.close()
    return f"MariaDB {version}" if "mariadb" in version.lower() else f"MySQL {version}"


def worker_env(*, scenario: Scenario, database_url: str, var_dir: Path, evotor_url: str, vk_url: str) -> dict:
    """The environment of every worker process: the bench database, loopback emulators, VK's rules scaled.

    The client's limit follows the emulator's (`vk_rate` per second); its safety margin on the 1 s window
    (VK_RATE_LIMIT_MARGIN_SECONDS) keeps its configured value, so the limiter leaves the same share of the
    bound unused as at VK's real 3/s (0.03 s: about 3%). Retry waits shrink with the time factor."""
    scale = REAL_VK_RATE / scenario.vk_rate
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="evosync.settings",
        DATABASE_URL=database_url,
        VAR_DIR=str(var_dir),
        MEDIA_ROOT=str(var_dir / "media"),
        # Tasks the measured work queues (a sync's read-back of the shop, …) stay in the bench's own folder:
        # nothing consumes them (the phases run that work themselves), and no real worker ever sees them.
        CELERY_BROKER_URL="filesystem://",
        CELERY_BROKER_FOLDER=str(var_dir / "broker"),
        DEBUG="false",  # as in production: no query log kept in memory
        SECRET_KEY=env.get("BENCH_SECRET_KEY") or "bench-only-secret-key-not-for-production-0123456789",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        EVOTOR_API_URL=evotor_url,
        VK_API_URL=vk_url,
        VK_RATE_LIMIT_PER_SECOND=str(int(scenario.vk_rate)),
        VK_COMMUNITY_RATE_LIMIT_PER_SECOND=str(int(scenario.vk_rate * 20 / REAL_VK_RATE)),
        # Evotor's pace per token (EVOTOR_RATE_LIMIT_PER_SECOND, 10 a second for real) on the same time factor.
        EVOTOR_RATE_LIMIT_PER_SECOND=str(int(10 * scenario.vk_rate / REAL_VK_RATE)),
        SCHEDULE_TICK_SECONDS=str(max(1, round(60 * scale))),  # the beat's minute, as the hour it spreads
        VK_RETRY_BACKOFF_SECONDS=f"{REAL_BACKOFF_SECONDS * scale:.4f}",
        CATALOG_IMAGE_CHECKS_PER_REFRESH=str(max(2000, scenario.products)),
        VK_PHOTO_BULK_FILES=str(scenario.photo_bulk),
        LOG_LEVEL=env.get("BENCH_LOG_LEVEL", "WARNING"),
    )
    return env
