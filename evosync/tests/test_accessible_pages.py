"""Every merchant and visitor page, read as HTML: Russian, one <main>, a title and a heading of its own, a label
for every field, every table in a box that scrolls on its own (so no page is wider than a phone), and nothing
loaded from another site. The browser suite checks the same pages at 390 and 1280 px with axe-core."""

from html.parser import HTMLParser

import pytest

from accounts.tests.factories import UserFactory
from catalog.tests.factories import ProductFactory, ProductGroupFactory, StoreFactory
from connections.tests.factories import EvotorConnectionFactory, VkConnectionFactory
from vkshop.tests.factories import VkAlbumFactory, VkItemFactory, put_in_album
from vksync.models import ProductLink, SyncRun
from vksync.tests.factories import SyncRunFactory

MERCHANT_PAGES = [
    "/profile",
    "/profile/edit",
    "/profile/change-password",
    "/profile/delete",
    "/profile/history",
    "/connections",
    "/catalog/stores",
    "/catalog/stores/{store}/groups",
    "/catalog/stores/{store}/products",
    "/vk-catalog/albums",
    "/vk-catalog/albums/{album}/products",
    "/vk-catalog/albums/0/products",
    "/sync",
    "/sync/settings",
]
VISITOR_PAGES = ["/", "/login", "/register", "/forgot-password", "/resend-confirm"]
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class PageReader(HTMLParser):
    """What the checks need: lang, landmarks, title, headings, fields and their labels, tables' boxes, assets."""

    def __init__(self):
        super().__init__()
        self.lang, self.mains, self.h1s, self.title = None, 0, 0, ""
        self.fields, self.label_for, self.open = [], set(), []
        self.tables_outside_a_box, self.outside_assets = 0, []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        self.mains += tag == "main"
        self.h1s += tag == "h1"
        self._in_title = tag == "title"
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in UNLABELLED_TYPES:
            in_label = any(t == "label" for t, _ in self.open)
            self.fields.append((a.get("name"), a.get("id"), in_label or bool(a.get("aria-label"))))
        if tag == "table" and not (self.open and "table-wrap" in (self.open[-1][1].get("class") or "")):
            self.tables_outside_a_box += 1
        if tag in ("script", "link", "img") and (a.get("src") or a.get("href") or "").startswith(("http", "//")):
            self.outside_assets.append(a.get("src") or a.get("href"))
        if tag not in ("input", "img", "br", "meta", "link", "hr"):
            self.open.append((tag, a))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def unlabelled(self) -> list[str]:
        return [name for name, id_, labelled in self.fields if not labelled and id_ not in self.label_for]


def read(client, path) -> PageReader:
    response = client.get(path)
    assert response.status_code == 200, path
    reader = PageReader()
    reader.feed(response.content.decode())
    return reader


@pytest.fixture
def merchant(db, client):
    user = UserFactory()
    store = StoreFactory(merchant=user, sync_enabled=True)
    group = ProductGroupFactory(store=store)
    ProductGroupFactory(store=store, parent_evotor_id=group.evotor_id)
    ProductFactory.create_batch(3, store=store, group=group)
    EvotorConnectionFactory(merchant=user)
    VkConnectionFactory(merchant=user)
    album = VkAlbumFactory(merchant=user)
    put_in_album(VkItemFactory(merchant=user, availability=1), album)
    product = ProductFactory(store=store, group=group)
    ProductLink.objects.create(merchant=user, product=product, group_id=1, sku="x", last_error="VK отказал")
    SyncRunFactory(merchant=user, status=SyncRun.Status.DONE, created=3, requests={"total": 2, "by_method": {}})
    SyncRunFactory(merchant=user, status=SyncRun.Status.RUNNING, progress={"items": {"done": 1, "total": 2}})
    client.force_login(user)
    return {"store": store.pk, "album": album.pk}


def assert_accessible(reader: PageReader, path: str) -> None:
    assert reader.lang == "ru", path
    assert reader.mains == 1, f"{path}: one <main> landmark"
    assert reader.h1s == 1, f"{path}: one <h1>"
    assert reader.title.strip() and not reader.title.strip().startswith("·"), f"{path}: a title of its own"
    assert reader.unlabelled() == [], f"{path}: fields without a label"
    assert reader.tables_outside_a_box == 0, f"{path}: a table outside .table-wrap widens the page on a phone"
    assert reader.outside_assets == [], f"{path}: assets from another site"


@pytest.mark.parametrize("path", MERCHANT_PAGES)
def test_merchant_pages_are_russian_labelled_and_fit_a_phone(client, merchant, path):
    path = path.format(**merchant)
    assert_accessible(read(client, path), path)


@pytest.mark.parametrize("path", VISITOR_PAGES)
def test_visitor_pages_are_russian_labelled_and_fit_a_phone(client, db, path):
    assert_accessible(read(client, path), path)


def test_the_menu_button_names_the_menu_it_opens(client, merchant):
    page = client.get("/sync").content.decode()
    assert 'class="menu-toggle secondary" aria-expanded="false" aria-controls="site-menu"' in page
    assert '<nav id="site-menu"' in page
    assert '<a href="/sync" aria-current="page">' in page


def test_the_reader_finds_what_it_checks():
    reader = PageReader()
    reader.feed(
        '<html lang="en"><title></title><main><h1>a</h1><input name="q"><table></table>'
        '<script src="https://cdn.example/x.js"></script></main></html>'
    )
    assert reader.lang == "en" and reader.unlabelled() == ["q"]
    assert reader.tables_outside_a_box == 1 and reader.outside_assets == ["https://cdn.example/x.js"]
