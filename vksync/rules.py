"""The merchant's rules turning one Evotor product into the exact parameters of one VK item.

Pure functions on plain values: no database, no network.
"""

import hashlib
import json
import re
import string
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

VK_NAME_MIN = 4
VK_NAME_MAX = 100
VK_DESCRIPTION_MIN = 10
VK_DESCRIPTION_MAX = 4000
VK_SKU_MAX = 50
VK_STOCK_MAX = 999999
VK_PRICE_MAX = Decimal("999999999999")
VK_PHOTO_MIN_SIDE = 400  # a product photo's sides, in pixels
VK_PHOTO_MAX_SIDES_SUM = 14000

TEMPLATE_FIELDS = ("name", "description", "article", "barcode", "measure", "price", "per_unit")
# Evotor's units of goods sold in fractions (../shared/reference/evotor-api.md, `measure_name`), as a price label
# names them: «за 1 кг». VK counts stock in whole items, so one VK item stands for one whole unit.
FRACTIONAL_UNITS = {"кг": "кг", "л": "л", "м": "м", "км": "км", "м2": "м²", "м3": "м³"}
UNIT_LABEL_TITLE, UNIT_LABEL_DESCRIPTION, UNIT_LABEL_NONE = "title", "description", "none"
TEMPLATE_MAX = 4000  # characters of the description template (VK keeps 4000 of the description)

# The merchant's numbers, bounded to what makes sense. The form and the model refuse anything outside;
# what a sync reads is clamped to them too, so a value stored before the bounds existed cannot crash a run
# (a grace of 2,147,483,647 days made every sync fail with OverflowError).
GRACE_DAYS_MAX = 365
MARKUP_MIN = Decimal("-99.99")  # −100% would make every price zero
MARKUP_MAX = Decimal("1000")
BRAKE_SHARE_MIN = Decimal("0.01")
BRAKE_SHARE_MAX = Decimal("1")
CATEGORY_ID_MAX = 2**31 - 1  # VK's ids are 32-bit


def clamp(value, low, high):
    """`value` moved into [low, high]."""
    return min(max(value, low), high)


def grace_days(value) -> int:
    """Days an unavailable item stays hidden before it is deleted, within 0..GRACE_DAYS_MAX."""
    return clamp(int(value or 0), 0, GRACE_DAYS_MAX)


def brake_share(value) -> Decimal:
    """The brake's share of the shop, within BRAKE_SHARE_MIN..BRAKE_SHARE_MAX."""
    return clamp(Decimal(value if value is not None else "0.30"), BRAKE_SHARE_MIN, BRAKE_SHARE_MAX)


def markup(value) -> Decimal:
    return clamp(Decimal(value or 0), MARKUP_MIN, MARKUP_MAX)


def category(value) -> int | None:
    """A VK category id as stored by the merchant, or None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= CATEGORY_ID_MAX:
        return None
    return value


_LINK = re.compile(
    r"(?:https?://|ftp://|www\.)\S+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:ru|рф|com|net|org|su|info|biz|me|io|shop|store|online|site|pro)\b(?:/\S*)?",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t]+")


@dataclass(frozen=True)
class Rules:
    """The part of SyncSettings the rules read (plain values, so plans are testable without a database)."""

    category_id: int = 1
    group_categories: dict | None = None
    markup_percent: Decimal = Decimal("0")
    rounding: str = "none"
    old_price_markup_percent: Decimal | None = None
    description_template: str = "{description}"
    unavailable_if_no_stock: bool = True
    unavailable_if_not_for_sale: bool = True
    send_stock: bool = False
    albums_per_group: bool = True
    store_in_album_title: bool = False  # else groups of one name in several stores share one album
    sku_key: str = "evotor_id"
    unit_label: str = UNIT_LABEL_TITLE  # where goods sold by the кг, л, м say their price is per unit

    @classmethod
    def from_settings(cls, sync_settings) -> "Rules":
        s = sync_settings
        stored = s.group_categories if isinstance(s.group_categories, dict) else {}
        return cls(
            category_id=category(s.category_id) or 1,
            group_categories={group: category(value) for group, value in stored.items() if category(value)},
            markup_percent=markup(s.markup_percent),
            rounding=s.rounding,
            old_price_markup_percent=(
                markup(s.old_price_markup_percent) if s.old_price_markup_percent is not None else None
            ),
            description_template=s.description_template,
            unavailable_if_no_stock=s.unavailable_if_no_stock,
            unavailable_if_not_for_sale=s.unavailable_if_not_for_sale,
            send_stock=s.send_stock,
            albums_per_group=s.albums_mode == "per_group",
            store_in_album_title=s.albums_across_stores == "store_in_title",
            sku_key=s.sku_key,
            unit_label=s.unit_label,
        )


def round_price(value: Decimal, rounding: str) -> Decimal:
    """Round a price in roubles the merchant's way; never below zero."""
    value = max(Decimal(value), Decimal("0"))
    if rounding == "1":
        value = value.quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    elif rounding == "10":
        value = (value / 10).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * 10
    elif rounding == "99":
        # 123.40 → 123.99, 124.00 → 123.99: the price ends in .99 and never moves by a rouble or more.
        value = value.quantize(Decimal("1"), rounding=ROUND_CEILING) - Decimal("0.01") if value >= 1 else value
    value = max(value, Decimal("0")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return min(value, VK_PRICE_MAX)


def vk_price(price: Decimal, *, markup_percent: Decimal, rounding: str) -> Decimal:
    """The Evotor price with the markup and rounding applied."""
    return round_price(Decimal(price) * (1 + Decimal(markup_percent) / 100), rounding)


def vk_old_price(price: Decimal, *, rules: Rules, new_price: Decimal) -> Decimal | None:
    """The crossed-out price, when the merchant set one and it is above the selling price."""
    if rules.old_price_markup_percent is None:
        return None
    old = vk_price(price, markup_percent=rules.old_price_markup_percent, rounding=rules.rounding)
    return old if old > new_price else None


def cp1251_length(text: str) -> int:
    """Length as VK counts it: a character outside cp1251 arrives as an HTML entity `&#NNNN;`."""
    try:
        text.encode("cp1251")
        return len(text)  # the usual case, without a look at each character
    except UnicodeEncodeError:
        pass
    total = 0
    for char in text:
        try:
            char.encode("cp1251")
            total += 1
        except UnicodeEncodeError:
            total += len(f"&#{ord(char)};")
    return total


def vk_name(name: str, suffix: str = "") -> str:
    """The product name fitted into VK's 4–100 characters (counted in cp1251), `suffix` kept whole after it."""
    name = " ".join((name or "").split())
    if cp1251_length(name) < VK_NAME_MIN:
        name = f"Товар «{name}»" if name else "Товар без названия"
    room = VK_NAME_MAX - cp1251_length(suffix)
    if cp1251_length(name) <= room:
        return name + suffix
    cut, used = [], 0
    for char in name:
        size = cp1251_length(char)
        if used + size > room - 1:
            break
        cut.append(char)
        used += size
    return "".join(cut).rstrip() + "…" + suffix


def per_unit(measure_name: str) -> str:
    """«за 1 кг» for goods sold in fractions of a unit; "" for pieces, packs and the rest."""
    unit = FRACTIONAL_UNITS.get((measure_name or "").strip().lower())
    return f"за 1 {unit}" if unit else ""


def whole_units(quantity) -> int:
    """The stock as VK counts it: whole units, rounded down (0.4 кг is not one kilo to sell), 0…VK_STOCK_MAX."""
    units = int(Decimal(quantity or 0).to_integral_value(rounding=ROUND_FLOOR))
    return clamp(units, 0, VK_STOCK_MAX)


class _Fields(dict):
    def __missing__(self, key):
        return ""


def render_description(template: str, fields: dict, *, name: str) -> str:
    """The description from the merchant's template: links stripped, at least VK's 10 characters."""
    formatter = string.Formatter()
    try:
        parsed = list(formatter.parse(template or ""))
        text = "".join(
            literal + (str(fields.get(field, "")) if field is not None else "") for literal, field, _, _ in parsed
        )
    except ValueError:  # a stray brace in the template: show the description as it is
        text = str(fields.get("description", ""))
    text = _LINK.sub("", text)
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.splitlines())
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if len(text) < VK_DESCRIPTION_MIN:
        text = f"{text}\n{name}".strip() if name and name not in text else text
    if len(text) < VK_DESCRIPTION_MIN:
        text = text.ljust(VK_DESCRIPTION_MIN, ".")
    return text[:VK_DESCRIPTION_MAX]


def product_sku(product: dict, sku_key: str) -> str:
    """The key VK keeps in `sku` so an item can be recognised as ours (falls back to the Evotor id)."""
    value = ""
    if sku_key == "article":
        value = product.get("article_number") or ""
    elif sku_key == "barcode":
        value = next(iter(product.get("barcodes") or []), "")
    return str(value or product["evotor_id"])[:VK_SKU_MAX]


# Why a published product is not shown in VK (the merchant's settings make it unavailable).
NO_STOCK = "no_stock"
NOT_FOR_SALE = "not_for_sale"
UNAVAILABLE_REASONS = {NO_STOCK: "нет в наличии", NOT_FOR_SALE: "не продаётся"}


def unavailable_reason(product: dict, rules: Rules) -> str | None:
    """Why a published product is hidden in VK (NO_STOCK, NOT_FOR_SALE), or None when it is shown.

    The one place the rule lives: the plan (through `item_fields`) and the counts on the pages both ask here.
    Stock is counted in whole units, as VK counts it: 0.4 кг left is no kilo to sell, so it is no stock."""
    if rules.unavailable_if_no_stock and whole_units(product.get("quantity")) <= 0:
        return NO_STOCK
    if rules.unavailable_if_not_for_sale and not product.get("allow_to_sell", True):
        return NOT_FOR_SALE
    return None


def is_available(product: dict, rules: Rules) -> bool:
    """Whether a published product is shown in VK or hidden as unavailable."""
    return unavailable_reason(product, rules) is None


def item_fields(product: dict, rules: Rules) -> dict:
    """Every parameter of market.add/edit that comes from the product (photo and album aside)."""
    price = vk_price(product.get("price") or 0, markup_percent=rules.markup_percent, rounding=rules.rounding)
    unit = per_unit(product.get("measure_name") or "")
    name = vk_name(product.get("name") or "", f", {unit}" if unit and rules.unit_label == UNIT_LABEL_TITLE else "")
    barcodes = product.get("barcodes") or []
    template_fields = {
        "name": product.get("name") or "",
        "description": product.get("description") or "",
        "article": product.get("article_number") or "",
        "barcode": ", ".join(str(b) for b in barcodes),
        "measure": product.get("measure_name") or "",
        "price": f"{price}",
        "per_unit": unit,
    }
    template = rules.description_template
    if unit and rules.unit_label == UNIT_LABEL_DESCRIPTION:
        template = f"Цена {unit}.\n{template}"
    group = product.get("parent_evotor_id") or ""
    category = (rules.group_categories or {}).get(group) or rules.category_id
    fields = {
        "name": name,
        "description": render_description(template, template_fields, name=name),
        "category_id": int(category),
        "price": f"{price}",
        "deleted": 0 if is_available(product, rules) else 1,
        "sku": product_sku(product, rules.sku_key),
    }
    old_price = vk_old_price(product.get("price") or 0, rules=rules, new_price=price)
    if old_price is not None:
        fields["old_price"] = f"{old_price}"
    if rules.send_stock:
        fields["stock_amount"] = whole_units(product.get("quantity"))
    return fields


ALBUM_TITLE_MAX = 128
SHARED_ALBUM_KEY = "name:"  # + a hash of the folded group name; an Evotor group id never starts so


def shared_album_key(group_name: str) -> str:
    """The album key of every group called `group_name` (in any store, any case, any spacing)."""
    folded = " ".join((group_name or "").split()).casefold()
    return SHARED_ALBUM_KEY + hashlib.sha256(folded.encode()).hexdigest()[:40]


def album_of(group_evotor_id: str, group_name: str, store_name: str, rules: Rules) -> tuple[str, str]:
    """(key, title) of the album a group's products go to.

    The key is what the album is known by between runs (`AlbumLink.group_evotor_id`): the group's Evotor id when
    each store has its own album, else one key for every group of the same name, so they share one album."""
    name = " ".join((group_name or "").split()) or "Без названия"
    if rules.store_in_album_title:
        store = " ".join((store_name or "").split())
        title = f"{name} — {store}" if store else name
        return group_evotor_id, title[:ALBUM_TITLE_MAX]
    return shared_album_key(name), name[:ALBUM_TITLE_MAX]


def other_album_key(group_evotor_id: str, group_name: str, rules: Rules) -> str:
    """The key the same group's album has under the other choice: what a switch of the choice continues."""
    return group_evotor_id if not rules.store_in_album_title else shared_album_key(group_name)


def pushed_hash(fields: dict, photo_sha: tuple[str, ...]) -> str:
    """Hash of exactly what is sent to VK, the pictures in order: equal hashes mean nothing to push.

    One picture hashes as the bare sha, as before items had several: an upgrade re-edits no item."""
    shas = (photo_sha,) if isinstance(photo_sha, str) else tuple(photo_sha)
    photo = shas[0] if len(shas) == 1 else list(shas)
    payload = json.dumps({"fields": fields, "photo": photo}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()
