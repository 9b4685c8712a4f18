"""Sign in with GitHub or Google (OAuth 2.0 authorization code + PKCE).

After a successful callback the user gets FARM tokens issued by auth-jwt.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

PROVIDERS: dict[str, dict[str, str]] = {
    "github": {
        "authorize": "https://github.com/login/oauth/authorize",
        "exchange": "https://github.com/login/oauth/access_token",
        "userinfo": "https://api.github.com/user",
        "scope": "read:user user:email",
    },
    "google": {
        "authorize": "https://accounts.google.com/o/oauth2/v2/auth",
        "exchange": "https://oauth2.googleapis.com/token",
        "userinfo": "https://openidconnect.googleapis.com/v1/userinfo",
        "scope": "openid email profile",
    },
}

# Maps (provider, userinfo) to the FARM user id, creating the user if needed.
AccountLinker = Callable[[str, Mapping[str, Any]], Awaitable[tuple[str, list[str]]]]


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) as in RFC 7636."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def authorize_url(provider: str, client_id: str, redirect_uri: str, state: str, challenge: str) -> str:
    endpoints = PROVIDERS[provider]
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": endpoints["scope"],
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return f"{endpoints['authorize']}?{urlencode(query)}"


router = APIRouter(prefix="/auth/oauth", tags=["auth"])


def _client(request: Request, provider: str) -> tuple[str, str]:
    creds = request.app.state.oauth_clients.get(provider)
    if creds is None:
        raise HTTPException(404, f"provider {provider!r} is not configured")
    return creds


@router.get("/{provider}/login")
async def login(provider: str, request: Request) -> RedirectResponse:
    client_id, _ = _client(request, provider)
    verifier, challenge = pkce_pair()
    state = request.app.state.oauth_signer.dumps({"p": provider, "v": verifier})
    redirect_uri = str(request.url_for("oauth_callback", provider=provider))
    return RedirectResponse(authorize_url(provider, client_id, redirect_uri, state, challenge))


@router.get("/{provider}/callback", name="oauth_callback")
async def callback(provider: str, code: str, state: str, request: Request) -> dict[str, Any]:
    client_id, client_secret = _client(request, provider)
    try:
        data = request.app.state.oauth_signer.loads(state, max_age=600)
    except (BadSignature, SignatureExpired) as exc:
        raise HTTPException(400, "invalid or expired state") from exc
    if data["p"] != provider:
        raise HTTPException(400, "state was issued for another provider")
    endpoints = PROVIDERS[provider]
    async with httpx.AsyncClient(timeout=10.0, headers={"Accept": "application/json"}) as http:
        exchanged = await http.post(endpoints["exchange"], data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": str(request.url_for("oauth_callback", provider=provider)),
            "client_id": client_id,
            "client_secret": client_secret,
            "code_verifier": data["v"],
        })
        exchanged.raise_for_status()
        bearer_value = exchanged.json()["access_token"]
        profile = await http.get(endpoints["userinfo"],
                                 headers={"Authorization": f"Bearer {bearer_value}"})
        profile.raise_for_status()
    subject, roles = await request.app.state.oauth_linker(provider, profile.json())
    tokens = request.app.state.tokens  # provided by auth-jwt
    return {
        "access_token": tokens.issue(subject, roles=roles),
        "refresh_token": tokens.issue(subject, kind="refresh"),
        "token_type": "bearer",
    }


def register(app: FastAPI, config: Mapping[str, Any] | None = None,
             linker: AccountLinker | None = None) -> None:
    if not hasattr(app.state, "tokens"):
        raise RuntimeError("auth-oauth needs auth-jwt to be registered first")
    if linker is None:
        raise RuntimeError("auth-oauth needs an account linker")
    clients = {}
    for provider in PROVIDERS:
        prefix = f"FARM_OAUTH_{provider.upper()}"
        client_id = os.environ.get(f"{prefix}_CLIENT_ID")
        if client_id:
            clients[provider] = (client_id, os.environ[f"{prefix}_CLIENT_SECRET"])
    app.state.oauth_clients = clients
    app.state.oauth_signer = URLSafeTimedSerializer(os.environ["FARM_JWT_SECRET"], salt="farm-oauth")
    app.state.oauth_linker = linker
    app.include_router(router)
