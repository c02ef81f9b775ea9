"""VK ID's OAuth 2.1 endpoints, emulated: authorization code with PKCE (S256) and refresh tokens.

`GET /authorize` approves at once for the emulator's test user (`emu.oauth_user_id`) and
redirects back with `code`, `state`, `device_id`; `POST /oauth2/auth` exchanges the code
(checking the PKCE verifier, redirect_uri, client_id and device_id) or a refresh token for
an access token that the API then accepts until it expires.
"""

import base64
import hashlib
import secrets
import time
from urllib.parse import parse_qsl, urlencode

from emulators.vk.http import json_response, raw_response, read_body
from emulators.vk.state import Caller

CODE_LIFETIME = 600


def pkce_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _redirect(start_response, redirect_uri: str, params: dict):
    glue = "&" if "?" in redirect_uri else "?"
    return raw_response(
        start_response, "302 Found", b"", headers=[("Location", redirect_uri + glue + urlencode(params))]
    )


def authorize(emu, environ, start_response):
    query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
    redirect_uri = query.get("redirect_uri", "")
    if not redirect_uri:
        return raw_response(start_response, "400 Bad Request", b"redirect_uri is required")
    state = query.get("state", "")
    problem = None
    if query.get("response_type") != "code":
        problem = "unsupported_response_type"
    elif emu.oauth_client_id and query.get("client_id") != emu.oauth_client_id:
        problem = "invalid_client"
    elif not query.get("code_challenge") or query.get("code_challenge_method") != "S256":
        problem = "invalid_request"
    elif emu.oauth_deny or emu.oauth_user_id is None:
        problem = "access_denied"
    if problem:
        return _redirect(start_response, redirect_uri, {"error": problem, "state": state})
    code, device_id = secrets.token_urlsafe(24), secrets.token_urlsafe(16)
    with emu._lock:
        emu.oauth_codes[code] = {
            "client_id": query.get("client_id", ""),
            "redirect_uri": redirect_uri,
            "challenge": query["code_challenge"],
            "scope": query.get("scope", ""),
            "user_id": emu.oauth_user_id,
            "device_id": device_id,
            "expires": time.time() + CODE_LIFETIME,
        }
    params = {"code": code, "state": state, "device_id": device_id, "type": "code_v2", "expires_in": CODE_LIFETIME}
    return _redirect(start_response, redirect_uri, params)


def _fail(start_response, error: str, description: str):
    return json_response(start_response, {"error": error, "error_description": description}, "400 Bad Request")


def _issue(emu, *, user_id: int, device_id: str, scope: str, client_id: str, state: str) -> dict:
    access, refresh = "vk1.a." + secrets.token_urlsafe(32), "vk1.r." + secrets.token_urlsafe(32)
    with emu._lock:
        emu.tokens[access] = Caller(token=access, kind="user", user_id=user_id)
        emu.token_expires[access] = time.time() + emu.oauth_token_lifetime
        emu.refresh_tokens[refresh] = {
            "user_id": user_id,
            "device_id": device_id,
            "scope": scope,
            "client_id": client_id,
        }
    return {
        "access_token": access,
        "refresh_token": refresh,
        "id_token": secrets.token_urlsafe(16),
        "token_type": "Bearer",
        "expires_in": emu.oauth_token_lifetime,
        "user_id": user_id,
        "state": state,
        "scope": scope,
    }


def token(emu, environ, start_response):
    if not (environ.get("CONTENT_TYPE") or "").startswith("application/x-www-form-urlencoded"):
        return _fail(start_response, "invalid_request", "form-encoded body required")
    form = dict(parse_qsl(read_body(environ).decode(), keep_blank_values=True))
    grant = form.get("grant_type")
    if emu.oauth_client_id and form.get("client_id") != emu.oauth_client_id:
        return _fail(start_response, "invalid_client", "unknown client_id")
    if grant == "authorization_code":
        return _by_code(emu, form, start_response)
    if grant == "refresh_token":
        return _by_refresh(emu, form, start_response)
    return _fail(start_response, "unsupported_grant_type", f"grant_type {grant!r} is not supported")


def _tokens_for(emu, grant: dict, form: dict, start_response):
    """Answer a token request with new tokens for the user and device of `grant`."""
    issued = _issue(
        emu,
        user_id=grant["user_id"],
        device_id=grant["device_id"],
        scope=grant["scope"],
        client_id=grant["client_id"],
        state=form.get("state", ""),
    )
    return json_response(start_response, issued)


def _by_code(emu, form: dict, start_response):
    with emu._lock:
        grant = emu.oauth_codes.pop(form.get("code", ""), None)
    if grant is None or grant["expires"] < time.time():
        return _fail(start_response, "invalid_grant", "code is invalid or expired")
    if form.get("redirect_uri") != grant["redirect_uri"] or form.get("client_id", "") != grant["client_id"]:
        return _fail(start_response, "invalid_grant", "redirect_uri or client_id does not match")
    if form.get("device_id") != grant["device_id"]:
        return _fail(start_response, "invalid_grant", "device_id does not match")
    if pkce_challenge(form.get("code_verifier", "")) != grant["challenge"]:
        return _fail(start_response, "invalid_grant", "code_verifier does not match code_challenge")
    return _tokens_for(emu, grant, form, start_response)


def _by_refresh(emu, form: dict, start_response):
    with emu._lock:
        grant = emu.refresh_tokens.get(form.get("refresh_token", ""))
        if grant and grant["device_id"] == form.get("device_id"):
            del emu.refresh_tokens[form["refresh_token"]]  # VK ID rotates refresh tokens
        else:
            grant = None
    if grant is None:
        return _fail(start_response, "invalid_grant", "refresh_token is invalid or device_id does not match")
    return _tokens_for(emu, grant, form, start_response)
