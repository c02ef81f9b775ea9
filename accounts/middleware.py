"""Binds who acts and from where (the proxy-aware address) to the audit trail's context for each request."""

from accounts.client_ip import client_ip
from audit.context import acting


class AuditContextMiddleware:
    """After AuthenticationMiddleware: the user is read only if an event is written (request.user is lazy)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with acting(actor=lambda: getattr(request, "user", None), ip=lambda: client_ip(request)):
            return self.get_response(request)
