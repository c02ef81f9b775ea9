from django.apps import AppConfig


class VksyncConfig(AppConfig):
    name = "vksync"
    verbose_name = "Синхронизация с VK"

    def ready(self):
        from catalog.signals import catalog_changed
        from connections.signals import connection_broken
        from vkshop.signals import claimed_by_others
        from vksync.community import on_claims_asked
        from vksync.notifications import on_connection_broken
        from vksync.triggers import on_catalog_changed

        catalog_changed.connect(on_catalog_changed, dispatch_uid="vksync.on_catalog_changed")
        connection_broken.connect(on_connection_broken, dispatch_uid="vksync.on_connection_broken")
        claimed_by_others.connect(on_claims_asked, dispatch_uid="vksync.on_claims_asked")
