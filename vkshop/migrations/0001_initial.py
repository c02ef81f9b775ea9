"""The VK shop cache moves from vksync to vkshop without copying a row.

The tables keep their names (Meta.db_table), so only Django's idea of which app owns the models changes:
state operations here, and vksync's 0006 forgets them. The content types are renamed, so permissions given
on these models (and the admin's history) stay with them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ["vkalbum", "vkitem", "vkiteminalbum"]


def _move(apps, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label=target, model=model).exists():
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def move_content_types(apps, schema_editor):
    _move(apps, "vksync", "vkshop")


def move_content_types_back(apps, schema_editor):
    _move(apps, "vkshop", "vksync")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("vksync", "0005_sync_page_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='VkItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('group_id', models.BigIntegerField(verbose_name='сообщество')),
                        ('vk_id', models.BigIntegerField(verbose_name='id в VK')),
                        ('title', models.CharField(max_length=255, verbose_name='название')),
                        ('description', models.TextField(blank=True, verbose_name='описание')),
                        ('price', models.DecimalField(decimal_places=2, default=0, max_digits=14, verbose_name='цена, ₽')),
                        ('old_price', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='старая цена, ₽')),
                        ('sku', models.CharField(blank=True, db_index=True, max_length=64, verbose_name='артикул (sku)')),
                        ('availability', models.IntegerField(choices=[(0, 'В наличии'), (1, 'Удалён'), (2, 'Недоступен')], default=0, verbose_name='доступность')),
                        ('category_id', models.IntegerField(blank=True, null=True)),
                        ('stock_amount', models.IntegerField(blank=True, null=True)),
                        ('album_ids', models.JSONField(blank=True, default=list, verbose_name='подборки')),
                        ('photo_ids', models.JSONField(blank=True, default=list, verbose_name='фото')),
                        ('thumb_photo', models.URLField(blank=True, max_length=1000)),
                        ('date', models.DateTimeField(blank=True, null=True, verbose_name='изменён в VK')),
                        ('reject_info', models.JSONField(blank=True, null=True, verbose_name='отклонён модерацией')),
                        ('refreshed_at', models.DateTimeField(blank=True, null=True)),
                        ('merchant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'товар VK',
                        'verbose_name_plural': 'товары VK',
                        'db_table': 'vksync_vkitem',
                        'ordering': ['title'],
                    },
                ),
                migrations.CreateModel(
                    name='VkItemInAlbum',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('group_id', models.BigIntegerField(verbose_name='сообщество')),
                        ('album_vk_id', models.BigIntegerField(verbose_name='id подборки в VK')),
                        ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='in_albums', to='vkshop.vkitem')),
                    ],
                    options={
                        'verbose_name': 'товар VK в подборке',
                        'verbose_name_plural': 'товары VK в подборках',
                        'db_table': 'vksync_vkiteminalbum',
                    },
                ),
                migrations.CreateModel(
                    name='VkAlbum',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('group_id', models.BigIntegerField(verbose_name='сообщество')),
                        ('vk_id', models.BigIntegerField(verbose_name='id в VK')),
                        ('title', models.CharField(max_length=255, verbose_name='название')),
                        ('count', models.IntegerField(default=0, verbose_name='товаров')),
                        ('is_main', models.BooleanField(default=False)),
                        ('is_hidden', models.BooleanField(default=False)),
                        ('updated_time', models.DateTimeField(blank=True, null=True)),
                        ('refreshed_at', models.DateTimeField(blank=True, null=True)),
                        ('merchant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'подборка VK',
                        'verbose_name_plural': 'подборки VK',
                        'db_table': 'vksync_vkalbum',
                        'ordering': ['title'],
                        'constraints': [models.UniqueConstraint(fields=('group_id', 'vk_id'), name='vkalbum_unique_per_community')],
                    },
                ),
                migrations.AddIndex(
                    model_name='vkitem',
                    index=models.Index(fields=['merchant', 'group_id', 'title', 'vk_id'], name='vksync_vkit_merchan_0f8553_idx'),
                ),
                migrations.AddIndex(
                    model_name='vkitem',
                    index=models.Index(fields=['merchant', 'group_id', 'refreshed_at'], name='vksync_vkit_merchan_f20a90_idx'),
                ),
                migrations.AddIndex(
                    model_name='vkitem',
                    index=models.Index(condition=models.Q(('reject_info__isnull', False)), fields=['merchant', 'title'], name='vkitem_rejected'),
                ),
                migrations.AddConstraint(
                    model_name='vkitem',
                    constraint=models.UniqueConstraint(fields=('group_id', 'vk_id'), name='vkitem_unique_per_community'),
                ),
                migrations.AddIndex(
                    model_name='vkiteminalbum',
                    index=models.Index(fields=['group_id', 'album_vk_id'], name='vksync_vkit_group_i_1b5d24_idx'),
                ),
                migrations.AddConstraint(
                    model_name='vkiteminalbum',
                    constraint=models.UniqueConstraint(fields=('item', 'album_vk_id'), name='vkiteminalbum_unique'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
