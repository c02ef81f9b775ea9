"""The staff admin is in Russian whatever language the browser asks for.

Merchant pages follow the browser (LocaleMiddleware); the admin's names (apps, models, columns) are written in
Russian, so Django's own phrases around them must be Russian too, or the admin reads half English.
"""

from django.urls import reverse
from django.utils import translation

ADMIN_LANGUAGE = "ru"


class AdminInRussianMiddleware:
    """After LocaleMiddleware: under the admin's prefix, Russian."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(reverse("admin:index")):
            translation.activate(ADMIN_LANGUAGE)
            request.LANGUAGE_CODE = ADMIN_LANGUAGE
        return self.get_response(request)
