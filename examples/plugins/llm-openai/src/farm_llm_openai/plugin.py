"""Thin async client for the OpenAI chat completions API plus a FastAPI route."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any, Literal

import httpx
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel, Field
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

log = logging.getLogger("farm.llm_openai")

DEFAULT_BASE_URL = "https://api.openai.com/v1"
SENSITIVE_HEADERS = {"authorization", "openai-organization", "openai-project", "cookie"}


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class ChatRequest(BaseModel):
    messages: list[ChatMessage] = Field(min_length=1)
    temperature: float = Field(default=0.2, ge=0, le=2)
    max_tokens: int | None = Field(default=None, gt=0)


class ChatReply(BaseModel):
    content: str
    model: str
    prompt_tokens: int
    completion_tokens: int


class RetryableError(Exception):
    """429 or 5xx from the API."""


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Copy of ``headers`` that is safe to log."""
    return {k: ("***" if k.lower() in SENSITIVE_HEADERS else v) for k, v in headers.items()}


def build_payload(model: str, request: ChatRequest) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "model": model,
        "messages": [m.model_dump() for m in request.messages],
        "temperature": request.temperature,
    }
    if request.max_tokens is not None:
        payload["max_tokens"] = request.max_tokens
    return payload


def parse_reply(data: Mapping[str, Any]) -> ChatReply:
    choice = data["choices"][0]["message"]
    usage = data.get("usage") or {}
    return ChatReply(
        content=choice.get("content") or "",
        model=data.get("model", ""),
        prompt_tokens=usage.get("prompt_tokens", 0),
        completion_tokens=usage.get("completion_tokens", 0),
    )


class OpenAIChat:
    def __init__(self, api_key: str, model: str = "gpt-4o-mini",
                 base_url: str = DEFAULT_BASE_URL, timeout: float = 60.0) -> None:
        self.model = model
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout,
            headers={"Authorization": f"Bearer {api_key}"},
        )

    @retry(retry=retry_if_exception_type(RetryableError), stop=stop_after_attempt(4),
           wait=wait_exponential(multiplier=0.5, max=8), reraise=True)
    async def complete(self, request: ChatRequest) -> ChatReply:
        response = await self._client.post("/chat/completions", json=build_payload(self.model, request))
        log.debug("POST %s headers=%s status=%s", response.request.url,
                  redact_headers(response.request.headers), response.status_code)
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableError(f"OpenAI returned {response.status_code}")
        response.raise_for_status()
        return parse_reply(response.json())

    async def aclose(self) -> None:
        await self._client.aclose()


def get_llm(request: Request) -> OpenAIChat:
    return request.app.state.llm


router = APIRouter(prefix="/ai", tags=["ai"])


@router.post("/chat", response_model=ChatReply)
async def chat(body: ChatRequest, llm: OpenAIChat = Depends(get_llm)) -> ChatReply:
    try:
        return await llm.complete(body)
    except (httpx.HTTPError, RetryableError) as exc:
        raise HTTPException(status_code=502, detail="language model unavailable") from exc


def register(app: FastAPI, config: Mapping[str, Any] | None = None) -> None:
    config = dict(config or {})
    api_key = config.get("api_key") or os.environ.get("OPENAI_API_KEY")
    if not api_key:
        raise RuntimeError("llm-openai needs OPENAI_API_KEY or the 'api_key' setting")
    app.state.llm = OpenAIChat(
        api_key,
        model=config.get("model", os.environ.get("OPENAI_MODEL", "gpt-4o-mini")),
        base_url=config.get("base_url", DEFAULT_BASE_URL),
    )
    app.include_router(router)
    app.add_event_handler("shutdown", app.state.llm.aclose)
