"""Privacy-friendly product analytics stored in your own MongoDB."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, Field

MAX_PROPERTIES = 25
MAX_VALUE_LENGTH = 256


def anonymize_ip(ip: str | None) -> str | None:
    """Zero the last octet (IPv4) or the last 80 bits (IPv6), as GA does."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def clean_properties(props: Mapping[str, Any]) -> dict[str, Any]:
    """Keep flat scalar properties only; truncate strings; cap the number of keys."""
    cleaned: dict[str, Any] = {}
    for key, value in list(props.items())[:MAX_PROPERTIES]:
        key = str(key)[:64].replace(".", "_").lstrip("$")
        if isinstance(value, str):
            cleaned[key] = value[:MAX_VALUE_LENGTH]
        elif isinstance(value, (bool, int, float)) or value is None:
            cleaned[key] = value
    return cleaned


class EventBuffer:
    """Collects events and flushes them in batches."""

    def __init__(self, flush: Callable[[list[dict[str, Any]]], Awaitable[Any]], max_size: int = 500) -> None:
        self._flush, self.max_size = flush, max_size
        self._events: list[dict[str, Any]] = []
        self._lock = asyncio.Lock()

    def __len__(self) -> int:
        return len(self._events)

    async def add(self, events: list[dict[str, Any]]) -> None:
        self._events.extend(events)
        if len(self._events) >= self.max_size:
            await self.flush()

    async def flush(self) -> int:
        async with self._lock:
            batch, self._events = self._events, []
            if batch:
                await self._flush(batch)
            return len(batch)


class EventIn(BaseModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_:.-]{0,63}$")
    anonymous_id: str = Field(min_length=8, max_length=64)
    user_id: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    timestamp: datetime | None = None


class BatchIn(BaseModel):
    events: list[EventIn] = Field(min_length=1, max_length=100)


router = APIRouter(prefix="/events", tags=["analytics"])


@router.post("", status_code=202)
async def collect(body: BatchIn, request: Request) -> dict[str, int]:
    now = datetime.now(timezone.utc)
    ip = anonymize_ip(request.client.host if request.client else None)
    docs = [{
        "name": e.name,
        "anonymous_id": e.anonymous_id,
        "user_id": e.user_id,
        "properties": clean_properties(e.properties),
        "ts": min(e.timestamp or now, now),
        "received_at": now,
        "ip": ip,
        "path": e.properties.get("path"),
        "user_agent": request.headers.get("user-agent", "")[:256],
    } for e in body.events]
    await request.app.state.event_buffer.add(docs)
    return {"accepted": len(docs)}


def register(app: FastAPI, config: Mapping[str, Any] | None = None) -> None:
    config = dict(config or {})
    interval = float(config.get("flush_seconds", 5))

    async def write(batch: list[dict[str, Any]]) -> None:
        await app.state.mongo_db[config.get("collection", "events")].insert_many(batch, ordered=False)

    app.state.event_buffer = EventBuffer(write, max_size=int(config.get("batch_size", 500)))

    async def flusher() -> None:
        while True:
            await asyncio.sleep(interval)
            await app.state.event_buffer.flush()

    async def start() -> None:
        coll = app.state.mongo_db[config.get("collection", "events")]
        await coll.create_index([("name", 1), ("ts", -1)])
        await coll.create_index("ts", expireAfterSeconds=int(config.get("retention_days", 395)) * 86400)
        app.state.event_flusher = asyncio.create_task(flusher())

    async def stop() -> None:
        app.state.event_flusher.cancel()
        await app.state.event_buffer.flush()

    app.add_event_handler("startup", start)
    app.add_event_handler("shutdown", stop)
    app.include_router(router)
