"""Record the token usage and cost of every LLM call as an analytics event."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

# USD per million tokens (input, output). Override with the ``prices`` setting.
PRICES: dict[str, tuple[Decimal, Decimal]] = {
    "gpt-4o": (Decimal("2.50"), Decimal("10.00")),
    "gpt-4o-mini": (Decimal("0.15"), Decimal("0.60")),
    "gpt-4-turbo": (Decimal("10.00"), Decimal("30.00")),
    "gpt-3.5-turbo": (Decimal("0.50"), Decimal("1.50")),
    "text-embedding-3-small": (Decimal("0.02"), Decimal("0")),
    "text-embedding-3-large": (Decimal("0.13"), Decimal("0")),
}
DATED = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4})$")
MILLION = Decimal(1_000_000)


def normalise_model(model: str) -> str:
    """``gpt-4o-mini-2024-07-18`` -> ``gpt-4o-mini``; ``gpt-3.5-turbo-0125`` -> ``gpt-3.5-turbo``."""
    return DATED.sub("", model.strip().lower())


def cost_usd(model: str, prompt_tokens: int, completion_tokens: int,
             prices: Mapping[str, tuple[Decimal, Decimal]] = PRICES) -> Decimal | None:
    """Cost rounded to a millionth of a dollar; ``None`` for unknown models."""
    price = prices.get(normalise_model(model))
    if price is None:
        return None
    raw = (price[0] * prompt_tokens + price[1] * completion_tokens) / MILLION
    return raw.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def instrument(llm: Any, record: Any, feature: str = "default",
               prices: Mapping[str, tuple[Decimal, Decimal]] = PRICES) -> Any:
    """Wrap ``llm.complete`` so every call is recorded; returns ``llm``."""
    original = llm.complete

    @functools.wraps(original)
    async def complete(request: Any, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        reply = await original(request, *args, **kwargs)
        cost = cost_usd(reply.model, reply.prompt_tokens, reply.completion_tokens, prices)
        await record([{
            "name": "llm:completion",
            "anonymous_id": "server",
            "user_id": None,
            "ts": datetime.now(timezone.utc),
            "properties": {
                "model": normalise_model(reply.model),
                "feature": feature,
                "prompt_tokens": reply.prompt_tokens,
                "completion_tokens": reply.completion_tokens,
                "cost_usd": float(cost) if cost is not None else None,
                "latency_ms": round((time.perf_counter() - start) * 1000, 1),
            },
        }])
        return reply

    llm.complete = complete
    return llm


def register(app: Any, config: Mapping[str, Any] | None = None) -> None:
    config = dict(config or {})
    prices = dict(PRICES)
    for model, (inp, out) in config.get("prices", {}).items():
        prices[model] = (Decimal(str(inp)), Decimal(str(out)))
    instrument(app.state.llm, app.state.event_buffer.add, config.get("feature", "default"), prices)
