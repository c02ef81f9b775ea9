from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Каталог Эвотора"

    def ready(self):
        from catalog import audit_trail, triggers
        from connections.signals import evotor_catalog_pushed, evotor_stock_moved, evotor_token_received

        evotor_token_received.connect(triggers.on_token_received, dispatch_uid="catalog.on_token_received")
        evotor_catalog_pushed.connect(triggers.on_catalog_pushed, dispatch_uid="catalog.on_catalog_pushed")
        evotor_stock_moved.connect(triggers.on_stock_moved, dispatch_uid="catalog.on_stock_moved")
        audit_trail.track_selection()
