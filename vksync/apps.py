from django.apps import AppConfig


class VksyncConfig(AppConfig):
    name = "vksync"
    verbose_name = "Синхронизация с VK"

    def ready(self):
        from catalog.signals import catalog_changed, selection_changed, stock_changed
        from connections.signals import connection_broken, vk_connected
        from vkshop.signals import claimed_by_others
        from vksync import audit_trail
        from vksync.community import on_claims_asked
        from vksync.notifications import on_connection_broken
        from vksync.triggers import on_catalog_changed, on_selection_changed, on_stock_changed, on_vk_connected

        catalog_changed.connect(on_catalog_changed, dispatch_uid="vksync.on_catalog_changed")
        connection_broken.connect(on_connection_broken, dispatch_uid="vksync.on_connection_broken")
        claimed_by_others.connect(on_claims_asked, dispatch_uid="vksync.on_claims_asked")
        vk_connected.connect(on_vk_connected, dispatch_uid="vksync.on_vk_connected")
        selection_changed.connect(on_selection_changed, dispatch_uid="vksync.on_selection_changed")
        audit_trail.track_settings()
        stock_changed.connect(on_stock_changed, dispatch_uid="vksync.on_stock_changed")
