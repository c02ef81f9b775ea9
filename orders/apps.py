from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Заказы VK"

    def ready(self):
        from catalog.signals import catalog_changed, stock_changed
        from orders.reservations import on_catalog_changed, on_stock_changed, reserved_units
        from vksync import reserved

        reserved.provide(reserved_units)  # what a sync sends is the register's stock less the open orders'

        catalog_changed.connect(on_catalog_changed, dispatch_uid="orders.on_catalog_changed")
        stock_changed.connect(on_stock_changed, dispatch_uid="orders.on_stock_changed")
