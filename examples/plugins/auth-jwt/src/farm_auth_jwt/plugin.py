"""Issue and verify JSON Web Tokens; hash passwords with bcrypt."""

from __future__ import annotations

import os
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import bcrypt
import jwt
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm

bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)

# Looks up a user by login and returns (subject, password hash, roles) or None.
UserLoader = Callable[[str], Awaitable[tuple[str, bytes, list[str]] | None]]


@dataclass(frozen=True)
class JWTSettings:
    secret: str
    algorithm: str = "HS256"
    issuer: str = "farm"
    audience: str = "farm-api"
    access_ttl: timedelta = timedelta(minutes=15)
    refresh_ttl: timedelta = timedelta(days=14)
    leeway: timedelta = field(default=timedelta(seconds=30))

    def __post_init__(self) -> None:
        if self.algorithm.startswith("HS") and len(self.secret) < 32:
            raise ValueError("HMAC secrets must be at least 32 characters long")


class TokenService:
    def __init__(self, settings: JWTSettings) -> None:
        self.settings = settings

    def issue(self, subject: str, kind: str = "access", roles: list[str] | None = None,
              now: datetime | None = None) -> str:
        now = now or datetime.now(timezone.utc)
        ttl = self.settings.access_ttl if kind == "access" else self.settings.refresh_ttl
        claims: dict[str, Any] = {
            "sub": subject,
            "iss": self.settings.issuer,
            "aud": self.settings.audience,
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
            "jti": uuid.uuid4().hex,
            "typ": kind,
        }
        if roles:
            claims["roles"] = sorted(set(roles))
        return jwt.encode(claims, self.settings.secret, algorithm=self.settings.algorithm)

    def verify(self, encoded: str, kind: str = "access") -> dict[str, Any]:
        claims = jwt.decode(
            encoded,
            self.settings.secret,
            algorithms=[self.settings.algorithm],
            audience=self.settings.audience,
            issuer=self.settings.issuer,
            leeway=self.settings.leeway,
            options={"require": ["exp", "iat", "sub", "typ"]},
        )
        if claims["typ"] != kind:
            raise jwt.InvalidTokenError(f"expected a {kind} token")
        return claims


def hash_password(password: str) -> bytes:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=12))


def verify_password(password: str, hashed: bytes) -> bool:
    return bcrypt.checkpw(password.encode(), hashed)


def current_user(request: Request, credentials: str | None = Depends(bearer)) -> dict[str, Any]:
    """Dependency: the verified access-token claims, or 401."""
    unauthorized = HTTPException(status.HTTP_401_UNAUTHORIZED, "not authenticated",
                                 headers={"WWW-Authenticate": "Bearer"})
    if not credentials:
        raise unauthorized
    try:
        return request.app.state.tokens.verify(credentials)
    except jwt.PyJWTError as exc:
        raise unauthorized from exc


router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token")
async def login(request: Request, form: OAuth2PasswordRequestForm = Depends()) -> dict[str, Any]:
    found = await request.app.state.user_loader(form.username)
    if found is None or not verify_password(form.password, found[1]):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "bad credentials")
    subject, _, roles = found
    tokens: TokenService = request.app.state.tokens
    return {
        "access_token": tokens.issue(subject, roles=roles),
        "refresh_token": tokens.issue(subject, kind="refresh"),
        "token_type": "bearer",
        "expires_in": int(tokens.settings.access_ttl.total_seconds()),
    }


def register(app: FastAPI, config: Mapping[str, Any] | None = None,
             user_loader: UserLoader | None = None) -> None:
    config = dict(config or {})
    secret = config.get("secret") or os.environ.get("FARM_JWT_SECRET")
    if not secret:
        raise RuntimeError("auth-jwt needs FARM_JWT_SECRET (32+ random characters)")
    app.state.tokens = TokenService(JWTSettings(
        secret=secret,
        algorithm=config.get("algorithm", "HS256"),
        access_ttl=timedelta(minutes=int(config.get("access_minutes", 15))),
    ))
    if user_loader is not None:
        app.state.user_loader = user_loader
        app.include_router(router)
