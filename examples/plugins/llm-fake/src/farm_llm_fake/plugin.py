"""Deterministic stand-in for llm-openai's client, for tests and offline demos."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    """Same fields as ``farm_llm_openai.plugin.ChatReply``."""

    content: str
    model: str = "fake-llm"
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class FakeLLM:
    """Answers from ``script`` (regex -> reply, first match wins), else echoes.

    Every request is kept in ``calls`` so tests can assert on prompts.
    """

    script: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    default: str | None = None
    calls: list[list[dict[str, str]]] = field(default_factory=list)
    fail_next: int = 0

    def on(self, pattern: str, reply: str) -> FakeLLM:
        self.script.append((re.compile(pattern, re.IGNORECASE | re.DOTALL), reply))
        return self

    def fail(self, times: int = 1) -> FakeLLM:
        """Make the next ``times`` calls raise, to test error handling."""
        self.fail_next += times
        return self

    @staticmethod
    def _messages(request: Any) -> list[dict[str, str]]:
        messages = request.messages if hasattr(request, "messages") else request["messages"]
        return [m.model_dump() if hasattr(m, "model_dump") else dict(m) for m in messages]

    @staticmethod
    def count_tokens(text: str) -> int:
        """Rough count: words and punctuation marks."""
        return len(re.findall(r"\w+|[^\w\s]", text))

    def reply_for(self, messages: list[dict[str, str]]) -> str:
        prompt = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        for pattern, reply in self.script:
            match = pattern.search(prompt)
            if match:
                return match.expand(reply)
        return self.default if self.default is not None else f"echo: {prompt}"

    async def complete(self, request: Any) -> Reply:
        messages = self._messages(request)
        self.calls.append(messages)
        if self.fail_next:
            self.fail_next -= 1
            raise RuntimeError("fake LLM failure (scripted)")
        content = self.reply_for(messages)
        prompt_tokens = sum(self.count_tokens(m["content"]) for m in messages)
        return Reply(content, prompt_tokens=prompt_tokens, completion_tokens=self.count_tokens(content))

    async def aclose(self) -> None:
        return None


def register(app: Any, config: Mapping[str, Any] | None = None) -> FakeLLM:
    """Install as ``app.state.llm`` (replacing llm-openai's client)."""
    config = dict(config or {})
    fake = FakeLLM(default=config.get("default"))
    for pattern, reply in config.get("script", {}).items():
        fake.on(pattern, reply)
    app.state.llm = fake
    return fake
