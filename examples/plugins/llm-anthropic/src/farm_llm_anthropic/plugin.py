"""Claude models for FARM through the official ``anthropic`` SDK."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from anthropic import AsyncAnthropic
from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel

DEFAULT_MODEL = "claude-3-5-sonnet-latest"


class Message(BaseModel):
    role: str
    content: str


class CompletionIn(BaseModel):
    messages: list[Message]
    max_tokens: int = 1024


class CompletionOut(BaseModel):
    content: str
    stop_reason: str | None
    input_tokens: int
    output_tokens: int


def to_anthropic_messages(messages: Iterable[Mapping[str, str]]) -> tuple[str, list[dict[str, str]]]:
    """Split OpenAI-style messages into (system prompt, alternating turns).

    The Messages API takes the system prompt separately and rejects two turns of the
    same role in a row, so consecutive same-role messages are joined.
    """
    system: list[str] = []
    turns: list[dict[str, str]] = []
    for message in messages:
        role, content = message["role"], message["content"]
        if role == "system":
            system.append(content)
            continue
        if role not in {"user", "assistant"}:
            raise ValueError(f"unsupported role {role!r}")
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += "\n\n" + content
        else:
            turns.append({"role": role, "content": content})
    if turns and turns[0]["role"] != "user":
        turns.insert(0, {"role": "user", "content": "(conversation continues)"})
    return "\n\n".join(system), turns


class AnthropicChat:
    def __init__(self, client: AsyncAnthropic, model: str = DEFAULT_MODEL) -> None:
        self.client, self.model = client, model

    async def complete(self, body: CompletionIn) -> CompletionOut:
        system, turns = to_anthropic_messages(m.model_dump() for m in body.messages)
        kwargs: dict[str, Any] = {"model": self.model, "max_tokens": body.max_tokens,
                                  "messages": turns}
        if system:
            kwargs["system"] = system
        result = await self.client.messages.create(**kwargs)
        text = "".join(block.text for block in result.content if block.type == "text")
        return CompletionOut(
            content=text,
            stop_reason=result.stop_reason,
            input_tokens=result.usage.input_tokens,
            output_tokens=result.usage.output_tokens,
        )


router = APIRouter(prefix="/ai/anthropic", tags=["ai"])


@router.post("/messages", response_model=CompletionOut)
async def messages(body: CompletionIn, request: Request) -> CompletionOut:
    return await request.app.state.anthropic.complete(body)


def register(app: FastAPI, config: Mapping[str, Any] | None = None) -> None:
    config = dict(config or {})
    client = AsyncAnthropic(api_key=config.get("api_key") or os.environ["ANTHROPIC_API_KEY"],
                            max_retries=int(config.get("max_retries", 3)))
    app.state.anthropic = AnthropicChat(client, config.get("model", DEFAULT_MODEL))
    app.include_router(router)
