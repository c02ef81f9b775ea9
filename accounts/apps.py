from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Пользователи и доступ"

    def ready(self):
        from accounts import audit_trail, roles, signals  # noqa: F401

        audit_trail.track_users()
        # After auth's own receiver (connected in its ready, earlier): each app's permissions exist by then.
        post_migrate.connect(roles.grant_after_migrate, dispatch_uid="accounts.roles.grant_after_migrate")
