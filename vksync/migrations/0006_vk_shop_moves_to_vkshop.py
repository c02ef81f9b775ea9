"""The VK shop cache moves to vkshop (tables kept); a run says whether it failed for a while; the trigger
that asked for the follow-up run is kept."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('vksync', '0005_sync_page_indexes'),
        ('vkshop', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='syncrun',
            name='transient',
            field=models.BooleanField(default=False, verbose_name='временная ошибка'),
        ),
        migrations.AddField(
            model_name='syncsettings',
            name='pending_trigger',
            field=models.CharField(blank=True, max_length=16),
        ),
        # The VK shop cache now belongs to vkshop (its 0001): forget the models here, keep the tables.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='VkItemInAlbum'),
                migrations.DeleteModel(name='VkItem'),
                migrations.DeleteModel(name='VkAlbum'),
            ],
            database_operations=[],
        ),
    ]
