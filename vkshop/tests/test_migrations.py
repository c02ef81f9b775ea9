"""A database from before the split (the VK shop cache in vksync) migrates with its rows intact, and back.

The test migrates this worker's test database back to the old heads, writes rows with the historical
models, migrates forward and reads them through today's models; it always leaves the database at the
latest migrations, whatever happens.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from vkshop.models import VkAlbum, VkItem, VkItemInAlbum
from vksync.models import ProductLink, SyncRun, SyncSettings

# Every app's last migration before vkshop 0001_initial (the commit before the split).
OLD_HEADS = [
    ("accounts", "0003_roles"),
    ("catalog", "0003_product_search_text"),
    ("connections", "0001_initial"),
    ("webhooks", "0001_initial"),
    ("vksync", "0005_sync_page_indexes"),
]
BEFORE_THE_SPLIT = [*OLD_HEADS, ("vkshop", None)]  # vkshop did not exist yet
SHOP_MODELS = ["vkalbum", "vkitem", "vkiteminalbum"]
WHEN = datetime(2026, 11, 20, 12, 30, 15, 250000, tzinfo=UTC)


def migrate(targets=None):
    """Migrate to `targets` (the historical apps there are returned), else to the latest of every app."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()
    if targets:
        return MigrationExecutor(connection).loader.project_state([t for t in targets if t[1]]).apps


@pytest.fixture
def old_database():
    """The test database at the old heads (historical apps); put back at the latest migrations afterwards."""
    try:
        yield migrate(BEFORE_THE_SPLIT)
    finally:
        migrate()


def row(model, pk) -> dict:
    return model._base_manager.filter(pk=pk).values().get()


def write_rows(apps) -> dict:
    """What a merchant had before the split, written with the historical models; the rows as read back."""
    user = apps.get_model("accounts", "User").objects.create(email="old@shop.example", status="active", password="!")
    store = apps.get_model("catalog", "Store").objects.create(merchant=user, evotor_id="s-1", name="Лавка")
    product = apps.get_model("catalog", "Product").objects.create(
        merchant=user, store=store, evotor_id="p-1", name="Чай зелёный", price=Decimal("123.00")
    )
    album = apps.get_model("vksync", "VkAlbum").objects.create(
        merchant=user, group_id=7, vk_id=3, title="Чай", count=1, is_hidden=True, updated_time=WHEN, refreshed_at=WHEN
    )
    item = apps.get_model("vksync", "VkItem").objects.create(
        merchant=user,
        group_id=7,
        vk_id=11,
        title="Чай зелёный",
        description="Листовой, 100 г",
        price=Decimal("135.30"),
        old_price=Decimal("150.00"),
        sku="p-1",
        availability=2,
        category_id=40,
        stock_amount=5,
        album_ids=[3],
        photo_ids=[501, 502],
        thumb_photo="https://vk.example/photo-501.jpg",
        date=WHEN,
        reject_info={"title": "Отклонён", "description": "Нет фото"},
        refreshed_at=WHEN,
    )
    in_album = apps.get_model("vksync", "VkItemInAlbum").objects.create(item=item, group_id=7, album_vk_id=3)
    settings = apps.get_model("vksync", "SyncSettings").objects.create(
        merchant=user, enabled=True, markup_percent=Decimal("10.00"), sku_key="article", dirty=True
    )
    link = apps.get_model("vksync", "ProductLink").objects.create(
        merchant=user, product=product, group_id=7, sku="p-1", vk_item_id=11, vk_album_id=3, pushed_hash="h" * 64
    )
    run = apps.get_model("vksync", "SyncRun").objects.create(
        merchant=user, trigger="refresh", status="failed", created=1, requests={"execute": 2}, error="VK 10"
    )

    # The content types as Django made them then, and a staff group holding the shop's permissions.
    ContentTypeThen = apps.get_model("contenttypes", "ContentType")
    assert not ContentTypeThen.objects.filter(app_label="vkshop", model__in=SHOP_MODELS).exists()
    types = {m: ContentTypeThen.objects.get_or_create(app_label="vksync", model=m)[0] for m in SHOP_MODELS}
    PermissionThen = apps.get_model("auth", "Permission")
    for content_type in types.values():
        for action in ("add", "change", "delete", "view"):
            PermissionThen.objects.get_or_create(
                content_type=content_type,
                codename=f"{action}_{content_type.model}",
                defaults={"name": f"Can {action} {content_type.model}"},
            )
    permissions = PermissionThen.objects.filter(content_type__in=types.values())
    group = apps.get_model("auth", "Group").objects.create(name="shop staff, before the split")
    group.permissions.set(permissions)

    return {
        "VkAlbum": row(apps.get_model("vksync", "VkAlbum"), album.pk),
        "VkItem": row(apps.get_model("vksync", "VkItem"), item.pk),
        "VkItemInAlbum": row(apps.get_model("vksync", "VkItemInAlbum"), in_album.pk),
        "SyncSettings": row(apps.get_model("vksync", "SyncSettings"), settings.pk),
        "ProductLink": row(apps.get_model("vksync", "ProductLink"), link.pk),
        "SyncRun": row(apps.get_model("vksync", "SyncRun"), run.pk),
        "content_types": {m: ct.pk for m, ct in types.items()},
        "permissions": dict(permissions.values_list("pk", "codename")),
        "group": group.pk,
    }


def assert_rows_after_the_split(before: dict):
    """Today's models read the same rows (same ids and values); the shop's content types belong to vkshop."""
    assert row(VkAlbum, before["VkAlbum"]["id"]) == before["VkAlbum"]
    assert row(VkItem, before["VkItem"]["id"]) == before["VkItem"]
    assert row(VkItemInAlbum, before["VkItemInAlbum"]["id"]) == before["VkItemInAlbum"]
    item = VkItem.objects.get(pk=before["VkItem"]["id"])
    assert list(item.in_albums.values_list("album_vk_id", flat=True)) == [3]
    assert ProductLink.objects.get(pk=before["ProductLink"]["id"]).product.name == "Чай зелёный"

    settings = row(SyncSettings, before["SyncSettings"]["id"])
    assert settings.pop("pending_trigger") == ""
    assert settings.pop("albums_across_stores") == "shared"  # added later, with its default
    assert settings.pop("unit_label") == "title"  # added later, with its default
    assert settings == before["SyncSettings"]
    assert row(ProductLink, before["ProductLink"]["id"]) == before["ProductLink"]
    run = row(SyncRun, before["SyncRun"]["id"])
    assert run.pop("transient") is False
    assert run.pop("cards") == 0  # added later (variants), with its default
    assert run.pop("vk_requests") == 0  # added later (the dashboard's column), from an empty `requests`
    # added later (runs in slices), with their defaults
    assert (run.pop("slices"), run.pop("between_slices"), run.pop("writes_left")) == (0, False, None)
    assert run.pop("pictures_next") is False
    assert run.pop("pictures_learnt") == 0
    assert run == before["SyncRun"]

    for model, pk in before["content_types"].items():
        content_type = ContentType.objects.get(pk=pk)  # renamed in place, not made anew
        assert (content_type.app_label, content_type.model) == ("vkshop", model)
    assert not ContentType.objects.filter(app_label="vksync", model__in=SHOP_MODELS).exists()
    assert ContentType.objects.get_for_model(VkItem).pk == before["content_types"]["vkitem"]
    kept = Permission.objects.filter(pk__in=before["permissions"])
    assert dict(kept.values_list("pk", "codename")) == before["permissions"]
    assert set(kept.values_list("content_type__app_label", flat=True)) == {"vkshop"}
    group = Group.objects.get(pk=before["group"])
    assert set(group.permissions.values_list("pk", flat=True)) == set(before["permissions"])


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_split_keeps_its_rows_ids_and_permissions(old_database):
    before = write_rows(old_database)

    migrate()

    assert_rows_after_the_split(before)


@pytest.mark.django_db(transaction=True)
def test_the_split_can_be_undone_and_done_again_with_the_rows_intact(old_database):
    before = write_rows(old_database)
    migrate()

    apps = migrate(BEFORE_THE_SPLIT)

    assert row(apps.get_model("vksync", "VkItem"), before["VkItem"]["id"]) == before["VkItem"]
    assert row(apps.get_model("vksync", "VkItemInAlbum"), before["VkItemInAlbum"]["id"]) == before["VkItemInAlbum"]
    assert row(apps.get_model("vksync", "SyncRun"), before["SyncRun"]["id"]) == before["SyncRun"]
    types = apps.get_model("contenttypes", "ContentType").objects.filter(pk__in=before["content_types"].values())
    assert set(types.values_list("app_label", flat=True)) == {"vksync"}

    migrate()

    assert_rows_after_the_split(before)
