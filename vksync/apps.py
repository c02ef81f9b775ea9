from django.apps import AppConfig


class VksyncConfig(AppConfig):
    name = "vksync"

    def ready(self):
        from connections.signals import catalog_changed
        from vksync.sync_services import on_catalog_changed

        catalog_changed.connect(on_catalog_changed, dispatch_uid="vksync.on_catalog_changed")
