"""The merchant's downloads: the catalog with its VK state and a sync run's report, as CSV or XLSX."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import team_roles
from accounts.access import shop_permission
from core.exports import export_response
from vksync.exports import catalog_sheets, run_report_sheets
from vksync.models import SyncRun


@shop_permission(team_roles.VIEW)
@require_GET
def catalog_export(request, kind: str):
    name = f"evosync-catalog-{timezone.localdate():%Y-%m-%d}"
    return export_response(kind, name, catalog_sheets(request.shop))


@shop_permission(team_roles.VIEW)
@require_GET
def run_report_export(request, run_id: int, kind: str):
    run = get_object_or_404(SyncRun.objects.owned_by(request.shop), pk=run_id)
    return export_response(kind, f"evosync-run-{run.pk}", run_report_sheets(run))
