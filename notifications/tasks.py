"""Celery entry point of the notifications: one send per task, retried with a backoff while it is transient."""

from celery import shared_task

from notifications import services


@shared_task(
    name="notifications.send_notice",
    autoretry_for=services.TRANSIENT_ERRORS,
    retry_backoff=30,
    max_retries=6,
    ignore_result=True,
)
def send_notice(notice_id: int) -> None:
    services.deliver(notice_id=notice_id)
