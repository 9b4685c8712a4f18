"""Redis-backed response cache for idempotent FastAPI routes."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from fastapi import FastAPI, Request, Response
from redis.asyncio import Redis
from starlette.middleware.base import BaseHTTPMiddleware

PREFIX = "farm:cache:"


def cache_key(method: str, path: str, query: Iterable[tuple[str, str]],
              vary: Mapping[str, str] | None = None) -> str:
    """Stable key for a request: query order does not matter, vary headers do."""
    parts = [method.upper(), path, json.dumps(sorted(query))]
    if vary:
        parts.append(json.dumps(sorted((k.lower(), v) for k, v in vary.items())))
    digest = hashlib.md5("\n".join(parts).encode()).hexdigest()
    return PREFIX + digest


def is_cacheable(method: str, status: int, headers: Mapping[str, str]) -> bool:
    if method.upper() not in {"GET", "HEAD"} or status != 200:
        return False
    control = headers.get("cache-control", "").lower()
    return "no-store" not in control and "private" not in control


class ResponseCache(BaseHTTPMiddleware):
    def __init__(self, app: Any, redis: Redis, ttl: int = 60, paths: tuple[str, ...] = ("/",),
                 vary: tuple[str, ...] = ("accept-language",)) -> None:
        super().__init__(app)
        self.redis, self.ttl, self.paths, self.vary = redis, ttl, paths, vary

    async def dispatch(self, request: Request,
                       call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if request.method not in {"GET", "HEAD"} or not request.url.path.startswith(self.paths):
            return await call_next(request)
        key = cache_key(
            request.method,
            request.url.path,
            request.query_params.multi_items(),
            {h: request.headers.get(h, "") for h in self.vary},
        )
        hit = await self.redis.get(key)
        if hit is not None:
            cached = json.loads(hit)
            return Response(cached["body"], status_code=200, headers={**cached["headers"],
                                                                       "x-cache": "hit"})
        response = await call_next(request)
        if not is_cacheable(request.method, response.status_code, response.headers):
            return response
        body = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
        headers = {"content-type": response.headers.get("content-type", "application/json")}
        await self.redis.set(key, json.dumps({"body": body.decode(), "headers": headers}),
                             ex=self.ttl)
        return Response(body, status_code=200, headers={**headers, "x-cache": "miss"})


async def invalidate(redis: Redis, pattern: str = "*") -> int:
    deleted = 0
    async for key in redis.scan_iter(match=PREFIX + pattern, count=500):
        deleted += await redis.delete(key)
    return deleted


def register(app: FastAPI, config: Mapping[str, Any] | None = None) -> None:
    config = dict(config or {})
    url = config.get("url") or os.environ.get("FARM_REDIS_URL", "redis://localhost:6379/0")
    redis = Redis.from_url(url, decode_responses=True)
    app.state.redis = redis
    app.add_middleware(
        ResponseCache,
        redis=redis,
        ttl=int(config.get("ttl", 60)),
        paths=tuple(config.get("paths", ["/api/"])),
    )
    app.add_event_handler("shutdown", redis.aclose)
