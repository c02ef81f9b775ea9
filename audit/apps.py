from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _drop_swapped_out_permissions(sender, using="default", **kwargs):
    """auditlog's own LogEntry is swapped out for AuditEvent (no table), yet Django's post_migrate makes its four
    permissions from the migration history: permissions for nothing, which no role should be offered."""
    if sender.label != "audit":
        return
    from django.contrib.auth.models import Permission

    Permission.objects.using(using).filter(content_type__app_label="auditlog").delete()


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Журнал действий"

    def ready(self):
        post_migrate.connect(_drop_swapped_out_permissions, dispatch_uid="audit.drop_swapped_out_permissions")
