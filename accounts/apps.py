from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Пользователи и доступ"

    def ready(self):
        from accounts import audit_trail, signals  # noqa: F401

        audit_trail.track_users()
