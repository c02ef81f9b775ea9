"""The Content-Security-Policy (django-csp): scripts, styles, fonts and frames from EvoSync itself only.

No template has an inline script, `style=` or `on…=` handler (tests enforce it), so neither 'unsafe-inline'
nor nonces are needed. Two outside origins are let in when configured: the JivoSite support widget (when
JIVOSITE_WIDGET_ID is set) and VK ID, where the "connect with VK" form's redirect goes (form-action).
"""

from urllib.parse import urlsplit

from csp.constants import NONE, SELF

JIVOSITE_SOURCES = ["https://*.jivosite.com", "wss://*.jivosite.com"]


def content_security_policy(*, jivosite: bool, vk_id_authorize_url: str) -> dict:
    """django-csp 4's CONTENT_SECURITY_POLICY for these settings."""
    widget = JIVOSITE_SOURCES if jivosite else []
    vk_id = urlsplit(vk_id_authorize_url)
    vk_id_origin = [f"{vk_id.scheme}://{vk_id.netloc}"] if vk_id.scheme in ("http", "https") and vk_id.netloc else []
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF, *widget],
            "style-src": [SELF, *widget],
            "img-src": [SELF, "data:", *widget],  # data: for the admin's icons
            "font-src": [SELF, *widget],
            "connect-src": [SELF, *widget],
            "media-src": [SELF, *widget],
            "frame-src": widget or [NONE],
            "object-src": [NONE],
            "base-uri": [SELF],
            "form-action": [SELF, *vk_id_origin],
            "frame-ancestors": [NONE],
        }
    }


def _configured() -> dict:
    from evosync.settings import accounts, vk

    return content_security_policy(
        jivosite=bool(accounts.JIVOSITE_WIDGET_ID), vk_id_authorize_url=vk.VK_ID_AUTHORIZE_URL
    )


CONTENT_SECURITY_POLICY = _configured()
