"""Every account made before teams owns its own shop: the owner's object permissions on itself (guardian).

Accounts made later get them when they are made (accounts.team.open_own_shop), unless they joined a team."""

from django.db import migrations

OWNER = ["shop_view", "shop_operate", "shop_connections", "shop_settings", "shop_team", "shop_delete"]


def own_their_shops(apps, schema_editor):
    db = schema_editor.connection.alias
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("accounts", "User")
    UserObjectPermission = apps.get_model("guardian", "UserObjectPermission")
    user_type, _ = ContentType.objects.using(db).get_or_create(app_label="accounts", model="user")
    names = dict(
        shop_view="Смотреть страницы магазина",
        shop_operate="Управлять синхронизацией и заказами магазина",
        shop_connections="Менять подключения магазина",
        shop_settings="Менять настройки магазина",
        shop_team="Управлять командой магазина",
        shop_delete="Удалить магазин",
    )
    permissions = [
        Permission.objects.using(db).get_or_create(content_type=user_type, codename=code, defaults={"name": names[code]})[0]
        for code in OWNER
    ]
    for pk in User.objects.using(db).values_list("pk", flat=True).iterator():
        UserObjectPermission.objects.using(db).bulk_create(
            [
                UserObjectPermission(user_id=pk, permission=permission, content_type=user_type, object_pk=str(pk))
                for permission in permissions
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_team"),
        ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
    ]

    operations = [migrations.RunPython(own_their_shops, migrations.RunPython.noop)]
