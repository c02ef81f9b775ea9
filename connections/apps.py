from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "connections"
    verbose_name = "Подключения к Эвотору и VK"

    def ready(self):
        from connections import audit_trail

        audit_trail.track_connections()
