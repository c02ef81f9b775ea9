"""The data the VK emulator holds: users and their tokens, communities with their shop (albums, items, photos).

`VkState` (a mixin of `VkEmulator`) holds it and sets it up without API calls, as if done in VK's interface;
the dataclasses below are its parts, and `item_as_vk` / `album_as_vk` show them as VK's answers do.

Item states, as VK shows them: `hidden` (added or edited with deleted=1: availability 1, seen
only with with_disabled=1 by the community's admins), `removed` (market.delete: gone from
market.get and market.getById until market.restore), and purged (deleted by hand in VK: gone
for good, every call on it answers 1403). An item with stock_amount 0 is availability 2.
"""

import time
from dataclasses import dataclass, field
from decimal import Decimal

CATEGORIES = [
    {
        "id": 1,
        "name": "Продукты питания",
        "children": [{"id": 101, "name": "Продукты"}, {"id": 102, "name": "Напитки"}, {"id": 103, "name": "Сладости"}],
    },
    {
        "id": 2,
        "name": "Дом и сад",
        "children": [{"id": 201, "name": "Посуда"}, {"id": 202, "name": "Бытовая химия"}],
    },
    {
        "id": 3,
        "name": "Одежда и обувь",
        "children": [{"id": 301, "name": "Одежда"}, {"id": 302, "name": "Обувь"}],
    },
    {"id": 4, "name": "Другое", "children": [{"id": 401, "name": "Разное"}]},
]


def category_index() -> dict[int, dict]:
    index = {}
    for section in CATEGORIES:
        index[section["id"]] = {"id": section["id"], "name": section["name"]}
        for child in section["children"]:
            index[child["id"]] = {
                "id": child["id"],
                "name": child["name"],
                "parent": {"id": section["id"], "name": section["name"]},
            }
    return index


@dataclass
class Photo:
    id: int
    group_id: int
    width: int
    height: int
    date: int = field(default_factory=lambda: int(time.time()))

    def as_vk(self, base_url: str) -> dict:
        return {
            "id": self.id,
            "album_id": -53,
            "owner_id": -self.group_id,
            "date": self.date,
            "text": "",
            "sizes": [
                {"type": "x", "url": f"{base_url}/photos/{self.id}.jpg", "width": self.width, "height": self.height}
            ],
        }


@dataclass
class Album:
    id: int
    group_id: int
    title: str
    photo_id: int | None = None
    is_main: bool = False
    is_hidden: bool = False
    updated_time: int = field(default_factory=lambda: int(time.time()))


@dataclass
class Item:
    id: int
    group_id: int
    title: str
    description: str
    category_id: int
    price: Decimal = Decimal(0)
    old_price: Decimal | None = None
    hidden: bool = False
    removed: bool = False
    main_photo_id: int | None = None
    photo_ids: list[int] = field(default_factory=list)
    url: str = ""
    sku: str = ""
    stock_amount: int | None = None
    dimensions: dict | None = None
    weight: int | None = None
    album_ids: list[int] = field(default_factory=list)
    date: int = field(default_factory=lambda: int(time.time()))
    # Variants (emulators.vk.variants): the values of the item's properties, the card it is grouped in.
    variant_ids: list[int] = field(default_factory=list)
    grouping_id: int | None = None
    is_main_variant: bool = False

    @property
    def availability(self) -> int:
        if self.hidden or self.removed:
            return 1
        return 2 if self.stock_amount == 0 else 0


@dataclass
class Property:
    """A property of a community's items («Размер») with its values («S», «M»): {variant id: title}."""

    id: int
    title: str
    type: str = "text"
    variants: dict[int, str] = field(default_factory=dict)


@dataclass
class Shop:
    """One community's market: albums and items, with VK's id counters."""

    albums: dict[int, Album] = field(default_factory=dict)
    items: dict[int, Item] = field(default_factory=dict)
    photos: dict[int, Photo] = field(default_factory=dict)
    next_album_id: int = 1
    next_item_id: int = 1
    # Variants: properties, and groupings of items into one card ({grouping id: [item ids]}).
    properties: dict[int, Property] = field(default_factory=dict)
    groupings: dict[int, list[int]] = field(default_factory=dict)
    next_property_id: int = 1
    next_variant_id: int = 1
    next_grouping_id: int = 1

    def album_count(self, album_id: int) -> int:
        return sum(1 for item in self.items.values() if album_id in item.album_ids and not item.removed)


@dataclass
class Community:
    group_id: int
    name: str
    screen_name: str
    admins: set[int] = field(default_factory=set)
    market_enabled: bool = True
    # False: the community cannot have variants (VK answers 1410 to properties and grouping).
    variants_enabled: bool = True
    shop: Shop = field(default_factory=Shop)
    extended_market: bool = True  # orders need VK's extended market mode (else error 1409)
    orders: dict = field(default_factory=dict)  # id → orders.Order
    callback_servers: dict = field(default_factory=dict)  # id → callbacks.CallbackServer
    next_callback_server_id: int = 1
    confirmation_code: str = ""  # what the community's Callback API server must answer (callbacks.py)
    messages_allowed: set[int] = field(default_factory=set)  # users who let the community write to them
    messages: list = field(default_factory=list)  # messages.Message the community sent


@dataclass(frozen=True)
class Caller:
    """Whose token a request carries."""

    token: str
    kind: str  # "user" or "group"
    user_id: int | None = None
    group_id: int | None = None


class VkState:
    """What `VkEmulator` holds, and its set-up (a mixin: it shares the emulator's lock)."""

    def _init_state(self) -> None:
        self.communities: dict[int, Community] = {}
        self.users_by_id: dict[int, dict] = {}
        self.tokens: dict[str, Caller] = {}
        self.token_expires: dict[str, float] = {}
        self.photos = {}
        self.photo_bytes: dict[int, bytes] = {}
        self.pending_uploads: dict[str, bytes] = {}
        self.next_photo_id = 1
        self.oauth_codes: dict[str, dict] = {}
        self.refresh_tokens: dict[str, dict] = {}

    def add_user(self, token: str = "vk-tok", user_id: int = 1, name: str = "Иван Петров") -> Caller:
        with self._lock:
            self.users_by_id[user_id] = {"id": user_id, "name": name}
            caller = Caller(token=token, kind="user", user_id=user_id)
            self.tokens[token] = caller
            if self.oauth_user_id is None:
                self.oauth_user_id = user_id
            return caller

    def add_community(
        self,
        group_id: int = 1,
        name: str = "Магазин",
        screen_name: str | None = None,
        admins=(1,),
        market_enabled: bool = True,
    ) -> Community:
        with self._lock:
            community = Community(
                group_id=group_id,
                name=name,
                screen_name=screen_name or f"club{group_id}",
                admins=set(admins),
                market_enabled=market_enabled,
            )
            self.communities[group_id] = community
            return community

    def add_album(self, group_id: int, title: str, **fields) -> int:
        """Set-up shortcut (no API call, not logged): an album made in VK's interface."""
        with self._lock:
            shop = self.communities[group_id].shop
            album = Album(id=shop.next_album_id, group_id=group_id, title=title, **fields)
            shop.next_album_id += 1
            shop.albums[album.id] = album
            return album.id

    def add_item(self, group_id: int, title: str, *, price="100", album_ids=(), **fields) -> int:
        """Set-up shortcut (no API call, not logged): an item made in VK's interface."""
        with self._lock:
            shop = self.communities[group_id].shop
            fields.setdefault("description", f"{title}: описание товара")
            fields.setdefault("category_id", 101)
            item = Item(id=shop.next_item_id, group_id=group_id, title=title, price=Decimal(str(price)), **fields)
            item.album_ids = list(album_ids)
            shop.next_item_id += 1
            shop.items[item.id] = item
            return item.id

    def add_community_token(self, token: str, group_id: int) -> None:
        """A community (group) token: VK refuses it for the methods that want a user token (error 27)."""
        with self._lock:
            self.tokens[token] = Caller(token=token, kind="group", group_id=group_id)

    def find_community(self, ref) -> Community | None:
        text = str(ref).strip().lower()
        if text.lstrip("-").isdigit():
            return self.communities.get(abs(int(text)))
        for prefix in ("https://vk.com/", "https://vk.ru/", "vk.com/", "club", "public"):
            if text.startswith(prefix) and text[len(prefix) :].isdigit():
                return self.communities.get(int(text[len(prefix) :]))
        return next((c for c in self.communities.values() if c.screen_name.lower() == text), None)

    def shop(self, group_id: int):
        return self.communities[group_id].shop

    def delete_item_by_hand(self, group_id: int, item_id: int) -> None:
        """The merchant deleted the item in VK's interface: gone for good (calls on it answer 1403)."""
        with self._lock:
            self.communities[group_id].shop.items.pop(item_id)


def rub_text(amount: Decimal) -> str:
    whole = amount == amount.to_integral_value()
    text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    return text.replace(",", " ").replace(".", ",") + " ₽"


def price_as_vk(price: Decimal, old_price: Decimal | None) -> dict:
    """VK's price object: amounts are strings in hundredths (kopecks)."""
    result = {
        "amount": str(int(price * 100)),
        "currency": {"id": 643, "name": "RUB", "title": "Rub"},
        "text": rub_text(price),
    }
    if old_price:
        result["old_amount"] = str(int(old_price * 100))
        result["old_amount_text"] = rub_text(old_price)
    return result


def item_as_vk(item: Item, photos: dict[int, Photo], base_url: str, *, extended: bool) -> dict:
    categories = category_index()
    data = {
        "id": item.id,
        "owner_id": -item.group_id,
        "title": item.title,
        "description": item.description,
        "price": price_as_vk(item.price, item.old_price),
        "category": categories.get(item.category_id, {"id": item.category_id, "name": ""}),
        "date": item.date,
        "availability": item.availability,
        "is_owner": True,
        "is_adult": False,
        "sku": item.sku,
        "thumb_photo": photos[item.main_photo_id].as_vk(base_url)["sizes"][0]["url"]
        if item.main_photo_id in photos
        else "",
    }
    if item.stock_amount is not None:
        data["stock_amount"] = item.stock_amount
    if item.url:
        data["url"] = item.url
    if item.dimensions:
        data["dimensions"] = dict(item.dimensions)
    if item.weight is not None:
        data["weight"] = item.weight
    if item.grouping_id is not None:
        data["variants_grouping_id"] = item.grouping_id
        data["is_main_variant"] = item.is_main_variant
    if extended:
        photo_ids = ([item.main_photo_id] if item.main_photo_id else []) + item.photo_ids
        data["albums_ids"] = list(item.album_ids)
        data["photos"] = [photos[pid].as_vk(base_url) for pid in photo_ids if pid in photos]
        data["can_comment"] = 1
        data["can_repost"] = 1
        data["likes"] = {"user_likes": 0, "count": 0}
        data["views_count"] = 0
    return data


def album_as_vk(album: Album, shop: Shop, photos: dict[int, Photo], base_url: str) -> dict:
    data = {
        "id": album.id,
        "owner_id": -album.group_id,
        "title": album.title,
        "count": shop.album_count(album.id),
        "updated_time": album.updated_time,
        "is_main": album.is_main,
        "is_hidden": album.is_hidden,
    }
    if album.photo_id in photos:
        data["photo"] = photos[album.photo_id].as_vk(base_url)
    return data
