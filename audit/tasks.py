from celery import shared_task

from audit.services import prune


@shared_task(name="audit.prune_audit_trail")
def prune_audit_trail() -> int:
    """The beat's daily pruning of the trail (AUDIT_RETENTION_DAYS)."""
    return prune()
