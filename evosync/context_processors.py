from django.conf import settings


def site(request):
    return {"JIVOSITE_WIDGET_ID": settings.JIVOSITE_WIDGET_ID, "BASE_URL": settings.BASE_URL}
