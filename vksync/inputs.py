"""Everything the planner needs, loaded once per run into one typed value (`SyncInputs`).

The desired items (published products through the merchant's rules), the mapping (links of products and
albums), the VK cache as just read, the photos already uploaded, and the policy for items leaving the shop.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from catalog.models import ProductGroup
from catalog.selectors import published_products
from connections.evotor.client import EvotorClient, EvotorError
from connections.models import EvotorConnection
from vkshop.models import VkAlbum, VkItem
from vksync import planning, rules, variants
from vksync.card_inputs import CardInputs, load_cards
from vksync.models import AlbumLink, ProductLink, SyncSettings, VkPhoto
from vksync.reserved import less_reserved, reserved_units

VK_PHOTOS_PER_ITEM = 5  # a main photo and four more

PRODUCT_FIELDS = (
    "id",
    "evotor_id",
    "name",
    "price",
    "quantity",
    "allow_to_sell",
    "description",
    "article_number",
    "barcodes",
    "measure_name",
    "parent_evotor_id",
    "images",
    "image_url",
    "image_hash",
    "image_checked_hash",
)


@dataclass(frozen=True)
class SyncInputs:
    desired: list[planning.DesiredItem]
    album_titles: dict[str, str]  # album key (rules.album_of) → title, for every wanted album
    album_aliases: dict[str, tuple[str, ...]]  # album key → the keys its groups' album had under the other choice
    links: dict[int, planning.LinkState]  # product id → link, for published products
    orphan_links: list[planning.LinkState]  # links whose product is not published any more
    vk_items: dict[int, planning.CachedItem]
    vk_albums: dict[int, str]
    album_links: dict[str, planning.AlbumState]
    photos: set[str]  # sha256 of pictures already uploaded to the community
    policy: planning.Policy
    photo_sources: dict[str, str]  # sha256 → where the picture comes from (an Evotor URL, or file:<path>)
    default_sha: str  # the picture of products without one
    cards: CardInputs = CardInputs()  # products with modifications (vksync.card_inputs)

    def plan(self) -> planning.Plan:
        plan = planning.plan_sync(
            desired=self.desired,
            album_titles=self.album_titles,
            album_aliases=self.album_aliases,
            links=self.links,
            orphan_links=self.orphan_links,
            vk_items=self.vk_items,
            vk_albums=self.vk_albums,
            album_links=self.album_links,
            photos=self.photos,
            policy=self.policy,
        )
        plan.operations += variants.plan_variants(
            desired=self.desired,
            cards=self.cards.states,
            properties=self.cards.properties,
            card_titles=self.cards.titles,
            present={
                link.product_id
                for link in [*self.links.values(), *self.orphan_links]
                if link.vk_item_id in self.vk_items and link.state != "deleted"
            },
        )
        return plan


def load_inputs(*, merchant, sync_settings: SyncSettings, group_id: int) -> SyncInputs:
    """Read the catalog, the mapping and the VK cache of the merchant's community, once."""
    default_sha, default_source = default_photo(sync_settings)
    item_rules = rules.Rules.from_settings(sync_settings)
    reserved = reserved_units(merchant_id=merchant.pk)  # held back for open VK orders: VK keeps it held
    cards = load_cards(merchant=merchant, group_id=group_id, item_rules=item_rules, reserved=reserved)
    desired, album_titles, album_aliases, sources = desired_items(
        merchant, sync_settings, default_sha, cards, reserved=reserved
    )
    sources[default_sha] = default_source
    links, orphans = _links(merchant, group_id, wanted={item.product_id for item in desired})
    return SyncInputs(
        desired=desired,
        album_titles=album_titles,
        album_aliases=album_aliases,
        links=links,
        orphan_links=orphans,
        vk_items=_cached_items(merchant, group_id),
        vk_albums=dict(VkAlbum.objects.filter(merchant=merchant, group_id=group_id).values_list("vk_id", "title")),
        album_links={
            key: planning.AlbumState(album_id, title)
            for key, album_id, title in AlbumLink.objects.filter(merchant=merchant, group_id=group_id).values_list(
                "group_evotor_id", "vk_album_id", "pushed_title"
            )
        },
        photos=set(VkPhoto.objects.filter(group_id=group_id).values_list("sha256", flat=True)),
        policy=planning.Policy(
            delete_unavailable=sync_settings.unavailable_action == SyncSettings.UnavailableAction.DELETE,
            delete_grace_days=rules.grace_days(sync_settings.delete_grace_days),
            brake_share=rules.brake_share(sync_settings.brake_share),
            now=timezone.now(),
        ),
        photo_sources=sources,
        default_sha=default_sha,
        cards=cards,
    )


def desired_items(
    merchant, sync_settings: SyncSettings, default_sha: str, cards: CardInputs | None = None, *, reserved=None
):
    """Every published product as a DesiredItem, streamed from the database in chunks; the albums they need.
    `reserved` (product id → units held back for open orders) is taken off the register's stock."""
    item_rules = rules.Rules.from_settings(sync_settings)
    albums = albums_of_groups(merchant, item_rules)
    desired, album_titles, album_aliases, sources = [], {}, {}, {}
    products = published_products(merchant=merchant).order_by().values(*PRODUCT_FIELDS)
    cards = cards or CardInputs()
    for product in products.iterator(chunk_size=2000):
        product = less_reserved(product, reserved or {})
        card = cards.card_of(product["id"])
        if card:  # a modification takes the album and category of the group above its card
            product = {**product, "parent_evotor_id": card.parent}
        fields, card_key = cards.fields_for(product["id"], rules.item_fields(product, item_rules))
        pictures = product_pictures(product)
        sources.update(pictures)
        photo_sha = tuple(pictures) or (default_sha,)
        pending = not pictures and not product["image_checked_hash"]  # never read from Evotor yet
        album = albums.get(product["parent_evotor_id"]) if item_rules.albums_per_group else None
        album_key = album[0] if album else None
        if album:
            album_titles[album_key] = album[1]
            album_aliases.setdefault(album_key, set()).add(album[2])
        item_hash = rules.pushed_hash(fields, photo_sha)
        desired.append(
            planning.DesiredItem(
                product["id"],
                fields["sku"],
                fields,
                photo_sha,
                item_hash,
                album_key,
                card_key,
                pictures_pending=pending,
            )
        )
    aliases = {key: tuple(sorted(keys)) for key, keys in album_aliases.items()}
    return desired, dict(sorted(album_titles.items())), aliases, sources


def product_pictures(product: dict) -> dict[str, str]:
    """sha → URL of the product's pictures in Evotor's order (each once, VK's five at most)."""
    entries = product.get("images") or []
    if not entries and product.get("image_url") and product.get("image_hash"):  # a row from before the list
        entries = [{"url": product["image_url"], "sha": product["image_hash"]}]
    pictures = {}
    for entry in entries:
        if isinstance(entry, dict) and entry.get("sha") and entry.get("url"):
            pictures.setdefault(entry["sha"], entry["url"])
    return dict(list(pictures.items())[:VK_PHOTOS_PER_ITEM])


def albums_of_groups(merchant, item_rules: rules.Rules) -> dict[str, tuple[str, str, str]]:
    """Evotor group id → (album key, album title, the key under the other choice), for each of its groups.

    Read in name order, so a shared album's title (from the first of its groups) is the same every run."""
    groups = ProductGroup.objects.filter(merchant=merchant).order_by("name", "evotor_id")
    albums, titles = {}, {}
    for evotor_id, name, store_name in groups.values_list("evotor_id", "name", "store__name"):
        key, title = rules.album_of(evotor_id, name, store_name, item_rules)
        title = titles.setdefault(key, title)
        albums[evotor_id] = (key, title, rules.other_album_key(evotor_id, name, item_rules))
    return albums


def _links(merchant, group_id: int, wanted: set[int]):
    links, orphans = {}, []
    rows = ProductLink.objects.filter(merchant=merchant).values_list(
        "id", "product_id", "sku", "vk_item_id", "vk_album_id", "pushed_hash", "state", "hidden_at", "group_id"
    )
    for pk, product_id, sku, vk_id, album_id, pushed, state, hidden_at, link_group in rows.iterator(chunk_size=5000):
        if link_group != group_id:  # a link into another community: that item is not in this shop
            vk_id, album_id = None, None
        link = planning.LinkState(pk, product_id, sku, vk_id, album_id, pushed, state, hidden_at)
        if product_id in wanted:
            links[product_id] = link
        else:
            orphans.append(link)
    return links, orphans


def _cached_items(merchant, group_id: int) -> dict[int, planning.CachedItem]:
    rows = VkItem.objects.filter(merchant=merchant, group_id=group_id).values_list("vk_id", "sku", "album_ids")
    return {
        vk_id: planning.CachedItem(vk_id, sku or "", tuple(album_ids or ()))
        for vk_id, sku, album_ids in rows.iterator(chunk_size=5000)
    }


def default_photo(sync_settings: SyncSettings) -> tuple[str, str]:
    """sha256 and source of the picture for products without one (the merchant's upload, else the setting)."""
    if sync_settings.default_photo:
        path = sync_settings.default_photo.path
    else:
        path = Path(settings.VK_DEFAULT_PHOTO_PATH)
        path = str(path if path.is_absolute() else settings.BASE_DIR / path)
    return hashlib.sha256(Path(path).read_bytes()).hexdigest(), f"file:{path}"


def photo_loader(merchant, sources: dict):
    """sha → (bytes, filename): the default picture from disk, product images from Evotor.

    The Evotor client is made here, so `load` touches no database and may run in the upload thread."""
    client = None
    if any(not source.startswith("file:") for source in sources.values()):
        connection = EvotorConnection.objects.filter(merchant=merchant).first()
        client = EvotorClient(connection.token if connection else "")

    def load(sha: str) -> tuple[bytes, str]:
        source = sources[sha]
        if source.startswith("file:"):
            path = Path(source[5:])
            return path.read_bytes(), path.name
        name = source.rsplit("/", 1)[-1] or "photo.jpg"
        try:
            return client.download(source), name
        except EvotorError as error:  # the item goes without its picture this time; the next run tries again
            raise ValueError(error.reason) from error

    return load
