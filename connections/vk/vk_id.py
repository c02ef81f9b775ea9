"""VK ID's OAuth side: exchange an authorization code (PKCE) or a refresh token for VK tokens.

The only code in EvoSync that talks to VK ID's token endpoint; the API itself is `client.VkClient`.
"""

import secrets
from dataclasses import dataclass

import requests
from django.conf import settings

from connections.vk.errors import VkOAuthError, VkTransientError


@dataclass(frozen=True)
class VkTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    user_id: int | None
    device_id: str


class VkIdClient:
    """VK ID's token endpoint: exchange an authorization code (PKCE) or a refresh token."""

    def __init__(self, *, token_url: str | None = None, client_id: str | None = None, session=None, timeout=None):
        self.token_url = token_url or settings.VK_ID_TOKEN_URL
        self.client_id = client_id if client_id is not None else settings.VK_ID_CLIENT_ID
        self.session = session or requests.Session()
        self.timeout = timeout if timeout is not None else settings.VK_REQUEST_TIMEOUT_SECONDS

    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str, device_id: str, state: str):
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": code_verifier,
            "redirect_uri": redirect_uri,
            "device_id": device_id,
            "state": state,
        }
        return self._token(form, device_id)

    def refresh(self, *, refresh_token: str, device_id: str) -> VkTokens:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "device_id": device_id,
            "state": secrets.token_urlsafe(24),
        }
        return self._token(form, device_id)

    def _token(self, form: dict, device_id: str) -> VkTokens:
        try:
            response = self.session.post(
                self.token_url, data={**form, "client_id": self.client_id}, timeout=self.timeout
            )
            body = response.json()
        except requests.RequestException as exc:
            raise VkTransientError(f"network error calling VK ID: {type(exc).__name__}")
        except ValueError:
            raise VkTransientError(f"VK ID answered HTTP {response.status_code} without JSON")
        if response.status_code >= 500:
            raise VkTransientError(f"HTTP {response.status_code} from VK ID")
        if "error" in body or "access_token" not in body:
            raise VkOAuthError(str(body.get("error", "invalid_response")), str(body.get("error_description", "")))
        return VkTokens(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token", ""),
            expires_in=int(body.get("expires_in") or 0),
            user_id=int(body["user_id"]) if body.get("user_id") else None,
            device_id=device_id,
        )
