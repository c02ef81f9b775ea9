"""GET /favicon.ico: browsers ask for it on every site, whatever the page's <link rel=icon> says.

The same file as static/img/favicon.ico (base.html links that one and the SVG), cached a day by the browser.
"""

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

ICON = settings.BASE_DIR / "static" / "img" / "favicon.ico"


@require_safe
@cache_control(public=True, max_age=24 * 3600)
def favicon(request):
    return HttpResponse(ICON.read_bytes(), content_type="image/x-icon")
