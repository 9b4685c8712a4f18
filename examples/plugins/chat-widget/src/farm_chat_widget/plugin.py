"""A floating chat widget that answers from your documents via rag-pipeline."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from sse_starlette.sse import EventSourceResponse

STATIC = Path(__file__).parent / "static"


def trim_history(messages: Sequence[Mapping[str, str]], max_chars: int = 6000,
                 max_turns: int = 12) -> list[dict[str, str]]:
    """Keep the newest turns that fit both budgets, oldest first."""
    kept: list[dict[str, str]] = []
    used = 0
    for message in reversed(messages[-max_turns:]):
        size = len(message["content"])
        if kept and used + size > max_chars:
            break
        kept.append(dict(message))
        used += size
    return list(reversed(kept))


class TokenBucket:
    """Per-client rate limit: ``rate`` requests per ``per`` seconds, bursting to ``rate``."""

    def __init__(self, rate: int, per: float, clock: Any = time.monotonic) -> None:
        self.rate, self.per, self.clock = rate, per, clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, client: str) -> bool:
        now = self.clock()
        tokens, last = self._buckets.get(client, (float(self.rate), now))
        tokens = min(self.rate, tokens + (now - last) * self.rate / self.per)
        allowed = tokens >= 1
        self._buckets[client] = (tokens - 1 if allowed else tokens, now)
        return allowed


class ChatIn(BaseModel):
    history: list[dict[str, str]] = Field(default_factory=list)
    question: str = Field(min_length=1, max_length=2000)


router = APIRouter(prefix="/chat-widget", tags=["chat"])


@router.get("/widget.jsx", include_in_schema=False)
async def widget() -> FileResponse:
    return FileResponse(STATIC / "ChatWidget.jsx", media_type="text/javascript")


@router.post("/ask")
async def ask(body: ChatIn, request: Request) -> EventSourceResponse:
    client = request.client.host if request.client else "unknown"
    if not request.app.state.chat_limiter.allow(client):
        raise HTTPException(429, "slow down")
    from farm_rag.plugin import AskIn, ask as rag_ask

    history = trim_history(body.history)
    context = " ".join(m["content"] for m in history if m.get("role") == "user")[-500:]
    question = f"{context}\n{body.question}".strip() if context else body.question

    async def events() -> AsyncIterator[dict[str, str]]:
        yield {"event": "status", "data": "thinking"}
        answer = await rag_ask(AskIn(question=question), request)
        for word in answer.answer.split(" "):
            yield {"event": "token", "data": word + " "}
        yield {"event": "sources", "data": json.dumps(answer.sources)}
        yield {"event": "done", "data": ""}

    return EventSourceResponse(events())


def register(app: FastAPI, config: Mapping[str, Any] | None = None) -> None:
    config = dict(config or {})
    app.state.chat_limiter = TokenBucket(int(config.get("requests_per_minute", 10)), 60.0)
    app.include_router(router)
