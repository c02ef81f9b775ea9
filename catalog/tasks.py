"""Celery entry points for the catalog: thin, they call catalog.services."""

from celery import shared_task
from django.contrib.auth import get_user_model

from catalog import services


@shared_task(name="catalog.refresh_catalog", bind=True, max_retries=3)
def refresh_catalog(self, merchant_id: int) -> str:
    """Refresh one merchant's catalog; retry later when Evotor was only temporarily unavailable."""
    merchant = get_user_model().objects.filter(pk=merchant_id).first()
    if merchant is None:
        return "no such merchant"
    result = services.refresh_catalog(merchant=merchant)
    if result.transient:
        raise self.retry(countdown=60 * 2**self.request.retries)
    return result.status


@shared_task(name="catalog.refresh_all_catalogs")
def refresh_all_catalogs() -> dict:
    """Refresh every connected merchant's catalog (the beat entry)."""
    results = services.refresh_all_catalogs()
    return {"merchants": len(results), "ok": sum(r.ok for r in results)}
