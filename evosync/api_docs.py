"""The API description and its readers: /openapi.yaml, /openapi.json, /docs (Swagger UI), /redoc (ReDoc).

Public on purpose: the description names only the endpoints Evotor, VK and monitors already call from outside
(each guarded by its own secret or a merchant's session), and it holds no secret; Evotor's integrators read it
without an EvoSync account. The readers' scripts and styles come from drf-spectacular-sidecar's bundled builds
through our static files, started by our own script files (the Content-Security-Policy allows no inline script).
"""

from functools import lru_cache
from pathlib import Path

import yaml
from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

DESCRIPTION = Path(__file__).resolve().parent / "api" / "openapi.yaml"


@lru_cache(maxsize=1)
def description_text() -> str:
    return DESCRIPTION.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def description() -> dict:
    return yaml.safe_load(description_text())


@require_GET
def openapi_yaml(request):
    return HttpResponse(description_text(), content_type="application/yaml; charset=utf-8")


@require_GET
def openapi_json(request):
    return JsonResponse(description(), json_dumps_params={"ensure_ascii": False})


@require_GET
def swagger_ui(request):
    return render(request, "api_docs/swagger.html")


# ReDoc's styled-components write <style> elements at run time: styles (never scripts) inline on this page
# only; its search runs in a worker made from a blob.
@csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]})
@require_GET
def redoc(request):
    return render(request, "api_docs/redoc.html")
