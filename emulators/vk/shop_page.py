"""The community's shop as a visitor sees it on VK: `GET /market-<group_id>` on the VK emulator.

Albums with their items (picture, name, price, in stock or not); items hidden or deleted are not shown, as VK
shows them to nobody but the community's admins. For the demo: a visitor sees what the sync made, and orders an
item with «Заказать» (`POST /market-<group_id>/order`: `orders.order_from_page`), as a buyer would.
"""

from html import escape

from emulators.vk.state import Community, Item, rub_text

STYLE = """
body { font: 15px/1.4 -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 0; background: #edeef0; }
header { background: #fff; padding: 16px 24px; border-bottom: 1px solid #dce1e6; }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 4px 0 0; color: #626d7a; }
main { max-width: 1040px; margin: 0 auto; padding: 16px; }
nav { margin-bottom: 16px; }
nav a { margin-right: 16px; color: #2a5885; text-decoration: none; display: inline-block; white-space: nowrap; }
section { background: #fff; border-radius: 8px; padding: 16px; margin-bottom: 16px; }
h2 { font-size: 17px; margin: 0 0 12px; }
h2 small { color: #818c99; font-weight: normal; }
ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 16px;
     grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); }
li img, li .nophoto { width: 100%; aspect-ratio: 1; object-fit: cover; border-radius: 6px; background: #f0f2f5;
                      display: block; }
li .price { font-weight: bold; margin-top: 6px; }
li .old { color: #818c99; text-decoration: line-through; margin-left: 6px; }
li .title { margin-top: 2px; }
li .out { color: #e64646; font-size: 13px; }
li .in { color: #4bb34b; font-size: 13px; }
li .variant { color: #626d7a; font-size: 13px; }
li form { margin-top: 6px; }
.said { background: #fff; border-radius: 8px; padding: 12px 16px; margin-bottom: 16px; }
.empty { color: #818c99; }
"""


def visible_items(community: Community) -> list[Item]:
    """Items a visitor sees: not hidden, not deleted; the newest first, as VK lists them."""
    items = [item for item in community.shop.items.values() if not item.hidden and not item.removed]
    return sorted(items, key=lambda item: item.id, reverse=True)


def render(community: Community, photo_url, *, said: str = "") -> str:
    """The page's HTML; `photo_url(photo_id)` is where a photo is served; `said`: the outcome of an order."""
    items = visible_items(community)
    albums = sorted(community.shop.albums.values(), key=lambda album: album.id)
    sections = []
    for album in albums:
        in_album = [item for item in items if album.id in item.album_ids]
        if in_album:
            sections.append((f"album-{album.id}", album.title, in_album))
    sections.insert(0, ("all", "Все товары", items))
    nav = "".join(f'<a href="#{key}">{escape(title)} ({len(shown)})</a>' for key, title, shown in sections)
    body = "".join(_section(key, title, shown, photo_url, community) for key, title, shown in sections)
    if said:
        body = f'<p class="said" role="status">{escape(said)}</p>' + body
    if not community.market_enabled:
        body = '<section><p class="empty">Товары в сообществе выключены.</p></section>'
    title = escape(community.name)
    return (
        f'<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Товары — {title}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{title}</h1><p>Товары сообщества · {_count(len(items))} · эмулятор VK</p></header>"
        f"<main><nav>{nav}</nav>{body}</main></body></html>"
    )


def _section(key: str, title: str, items: list[Item], photo_url, community: Community) -> str:
    cards = "".join(_card(item, photo_url, community.group_id, _variant(item, community)) for item in items)
    shown = f"<ul>{cards}</ul>" if items else '<p class="empty">В магазине пока нет товаров.</p>'
    return f'<section id="{key}"><h2>{escape(title)} <small>{len(items)}</small></h2>{shown}</section>'


def _card(item: Item, photo_url, group_id: int, variant: str = "") -> str:
    picture = (
        f'<img src="{escape(photo_url(item.main_photo_id))}" alt="{escape(item.title)}" loading="lazy">'
        if item.main_photo_id
        else '<div class="nophoto"></div>'
    )
    old = f'<span class="old">{escape(rub_text(item.old_price))}</span>' if item.old_price else ""
    stock = '<div class="out">Нет в наличии</div>' if item.availability == 2 else '<div class="in">В наличии</div>'
    order = (
        f'<form method="post" action="/market-{group_id}/order"><input type="hidden" name="item_id" value="{item.id}">'
        f'<button type="submit">Заказать</button></form>'
        if item.availability == 0
        else ""
    )
    return (
        f'<li>{picture}<div class="price">{escape(rub_text(item.price))}{old}</div>'
        f'<div class="title">{escape(item.title)}</div>{variant}{stock}{order}</li>'
    )


def _variant(item: Item, community: Community) -> str:
    """The item's values and its card («Размер: M · карточка 2, основной вариант»), under its card's tile."""
    if item.grouping_id is None and not item.variant_ids:
        return ""
    values = ", ".join(f"{escape(title)}: {escape(value)}" for title, value in values_of(community.shop, item))
    card = f"карточка {item.grouping_id}" if item.grouping_id is not None else "без карточки"
    main = ", основной вариант" if item.is_main_variant and item.grouping_id is not None else ""
    return f'<div class="variant" data-card="{item.grouping_id or ""}">{values} · {card}{main}</div>'


def values_of(shop, item: Item) -> list[tuple[str, str]]:
    """(property, value) titles of an item's variant values."""
    shown = []
    for variant_id in item.variant_ids:
        owner = next((p for p in shop.properties.values() if variant_id in p.variants), None)
        if owner:
            shown.append((owner.title, owner.variants[variant_id]))
    return shown


def _count(number: int) -> str:
    """«1 товар», «3 товара», «5 товаров» (the emulator imports nothing from EvoSync, core included)."""
    if number % 10 == 1 and number % 100 != 11:
        return f"{number} товар"
    if 2 <= number % 10 <= 4 and not 12 <= number % 100 <= 14:
        return f"{number} товара"
    return f"{number} товаров"
