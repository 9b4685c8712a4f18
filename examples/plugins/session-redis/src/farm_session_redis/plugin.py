"""Sessions kept in Redis (shared with redis-cache's connection)."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from typing import Any

from itsdangerous import BadSignature, Signer
from redis.asyncio import Redis
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KEY_PREFIX = "farm:session:"
MAX_BYTES = 16 * 1024


def encode(data: Mapping[str, Any]) -> str:
    payload = json.dumps(data, separators=(",", ":"), sort_keys=True)
    if len(payload.encode()) > MAX_BYTES:
        raise ValueError(f"session larger than {MAX_BYTES} bytes")
    return payload


def decode(raw: str | bytes | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class RedisSessionMiddleware:
    def __init__(self, app: ASGIApp, key: str, ttl: int = 86_400, cookie: str = "farm_sid",
                 redis: Redis | None = None) -> None:
        self.app, self.ttl, self.cookie_name = app, ttl, cookie
        self.signer = Signer(key, salt="farm-session-redis")
        self.redis = redis

    def _session_id(self, connection: HTTPConnection) -> str | None:
        value = connection.cookies.get(self.cookie_name)
        if not value:
            return None
        try:
            return self.signer.unsign(value).decode()
        except BadSignature:
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        redis = self.redis or scope["app"].state.redis
        session_id = self._session_id(HTTPConnection(scope))
        raw = await redis.get(KEY_PREFIX + session_id) if session_id else None
        before = decode(raw)
        scope["session"] = dict(before)

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                after = scope["session"]
                headers = MutableHeaders(scope=message)
                if after and (after != before or raw is None):
                    sid = session_id if raw is not None else secrets.token_urlsafe(32)
                    await redis.set(KEY_PREFIX + sid, encode(after), ex=self.ttl)
                    signed = self.signer.sign(sid).decode()
                    headers.append("Set-Cookie", f"{self.cookie_name}={signed}; Path=/; "
                                   f"Max-Age={self.ttl}; HttpOnly; Secure; SameSite=Lax")
                elif not after and raw is not None:
                    await redis.delete(KEY_PREFIX + session_id)
                    headers.append("Set-Cookie", f"{self.cookie_name}=; Path=/; Max-Age=0")
                elif raw is not None:
                    await redis.expire(KEY_PREFIX + session_id, self.ttl)
            await send(message)

        await self.app(scope, receive, send_wrapper)


def register(app: Any, config: Mapping[str, Any] | None = None) -> None:
    config = dict(config or {})
    app.add_middleware(
        RedisSessionMiddleware,
        key=config.get("key") or os.environ["FARM_SESSION_KEY"],
        ttl=int(config.get("ttl", 86_400)),
        cookie=config.get("cookie", "farm_sid"),
    )
