"""Everything the planner needs, loaded into one typed value (`SyncInputs`).

What the catalog wants (`WantedCatalog`: the published products through the merchant's rules, `ItemMaker`, as
desired items, and the albums they need; a sliced run reads it once, `vksync.run_catalog`), the mapping (links of
products and albums), the VK cache as just read, the photos already uploaded, and the policy for items leaving the
shop.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from catalog.models import ProductGroup
from catalog.selectors import published_products
from connections.evotor.client import EvotorClient, EvotorError
from connections.models import EvotorConnection
from core.slices import Slice
from vkshop.models import VkAlbum, VkItem
from vksync import planning, rules, variants
from vksync.card_inputs import CardInputs, load_cards
from vksync.models import AlbumLink, ProductLink, SyncSettings, VkPhoto
from vksync.reserved import less_reserved, reserved_units

VK_PHOTOS_PER_ITEM = 5  # a main photo and four more
PRODUCTS_PER_READ = 1000  # products turned into desired items per query (and per step of a sliced read)

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


@dataclass(frozen=True)
class ItemMaker:
    """What turns a product row (PRODUCT_FIELDS) into its desired item: the merchant's rules, the albums of their
    groups, the cards of modifications, the units held back for open VK orders, the default picture. Read once a
    slice: small next to the catalog it is applied to (`vksync.run_catalog`)."""

    item_rules: rules.Rules
    albums: dict[str, tuple[str, str, str]]  # Evotor group id → (album key, title, the key under the other choice)
    cards: CardInputs
    reserved: dict[int, object]  # product id → units held back
    default_sha: str
    default_source: str

    def item(self, product: dict) -> tuple[planning.DesiredItem, dict[str, str], tuple[str, str, str] | None]:
        """(the product's desired item, its pictures: sha → URL, its album or None)."""
        product = less_reserved(product, self.reserved)
        card = self.cards.card_of(product["id"])
        if card:  # a modification takes the album and category of the group above its card
            product = {**product, "parent_evotor_id": card.parent}
        fields, card_key = self.cards.fields_for(product["id"], rules.item_fields(product, self.item_rules))
        pictures = product_pictures(product)
        photo_sha = tuple(pictures) or (self.default_sha,)
        pending = not pictures and not product["image_checked_hash"]  # never read from Evotor yet
        album = self.albums.get(product["parent_evotor_id"]) if self.item_rules.albums_per_group else None
        item = planning.DesiredItem(
            product["id"],
            fields["sku"],
            fields,
            photo_sha,
            rules.pushed_hash(fields, photo_sha),
            album[0] if album else None,
            card_key,
            pictures_pending=pending,
        )
        return item, pictures, album


def item_maker(*, merchant, sync_settings: SyncSettings, group_id: int) -> ItemMaker:
    """The rules, albums, cards, held-back units and default picture the merchant's products are read with."""
    default_sha, default_source = default_photo(sync_settings)
    item_rules = rules.Rules.from_settings(sync_settings)
    reserved = reserved_units(merchant_id=merchant.pk)  # held back for open VK orders: VK keeps it held
    return ItemMaker(
        item_rules=item_rules,
        albums=albums_of_groups(merchant, item_rules),
        cards=load_cards(merchant=merchant, group_id=group_id, item_rules=item_rules, reserved=reserved),
        reserved=reserved,
        default_sha=default_sha,
        default_source=default_source,
    )


@dataclass
class WantedCatalog:
    """Every published product as a DesiredItem, and the albums they need: what the catalog wants in VK. Filled
    in order of product id (`after_id`: the last product read), so a read may be cut and go on
    (`vksync.run_catalog`)."""

    desired: list[planning.DesiredItem] = field(default_factory=list)
    album_titles: dict[str, str] = field(default_factory=dict)  # album key → title, for every wanted album
    album_aliases: dict[str, set[str]] = field(default_factory=dict)  # album key → its groups' keys under the other
    photo_sources: dict[str, str] = field(default_factory=dict)  # sha256 → the picture's URL in Evotor
    after_id: int = 0
    complete: bool = False
    read_at: datetime | None = None  # when its read began (a sliced run reads again the pictures learnt since)

    def add(self, maker: ItemMaker, product: dict) -> None:
        item, pictures, album = maker.item(product)
        self.desired.append(item)
        self.photo_sources.update(pictures)
        if album:
            self.album_titles.setdefault(album[0], album[1])
            self.album_aliases.setdefault(album[0], set()).add(album[2])
        self.after_id = max(self.after_id, product["id"])

    def replace_items(self, items, photo_sources: dict[str, str]) -> None:
        """Items made again since the catalog was read (their pictures learnt) put in place of their products'."""
        at = {item.product_id: index for index, item in enumerate(self.desired)}
        for item in items:
            if item.product_id in at:
                self.desired[at[item.product_id]] = item
        self.photo_sources.update(photo_sources)


def read_products(catalog: WantedCatalog, *, merchant, maker: ItemMaker, clock: Slice | None = None) -> WantedCatalog:
    """Read the published products after `catalog.after_id` into it: without a `clock` all of them in one query;
    with one PRODUCTS_PER_READ at a time, each chunk a step ("catalog"), the next only while it ends before the
    deadline (the first always goes). `complete` once the last is read."""
    products = published_products(merchant=merchant).order_by("id").values(*PRODUCT_FIELDS)
    if clock is None:  # to the end: one query, streamed in chunks
        for product in products.filter(id__gt=catalog.after_id).iterator(chunk_size=2000):
            catalog.add(maker, product)
        catalog.complete = True
        return catalog
    size, first = PRODUCTS_PER_READ / 1000, True
    while not catalog.complete and (first or clock.fits("catalog", size=size)):
        with clock.stage("catalog", step=True, size=size):
            chunk = list(products.filter(id__gt=catalog.after_id)[:PRODUCTS_PER_READ])
            for product in chunk:
                catalog.add(maker, product)
        catalog.complete, first = len(chunk) < PRODUCTS_PER_READ, False
    return catalog


def load_inputs(
    *, merchant, sync_settings: SyncSettings, group_id: int, maker: ItemMaker | None = None, catalog=None
) -> SyncInputs:
    """Everything a plan reads: what the catalog wants (`catalog`, read whole here unless given) and the mapping
    and VK cache of the merchant's community, read now."""
    maker = maker or item_maker(merchant=merchant, sync_settings=sync_settings, group_id=group_id)
    catalog = catalog or read_products(WantedCatalog(), merchant=merchant, maker=maker)
    desired = catalog.desired
    links, orphans = _links(merchant, group_id, wanted={item.product_id for item in desired})
    return SyncInputs(
        desired=desired,
        album_titles=dict(sorted(catalog.album_titles.items())),
        album_aliases={key: tuple(sorted(keys)) for key, keys in catalog.album_aliases.items()},
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
        photo_sources={**catalog.photo_sources, maker.default_sha: maker.default_source},
        default_sha=maker.default_sha,
        cards=maker.cards,
    )


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
