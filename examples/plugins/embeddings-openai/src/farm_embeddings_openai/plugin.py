"""Text embeddings with OpenAI, batched and normalised."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from openai import AsyncOpenAI

DEFAULT_MODEL = "text-embedding-3-small"
MAX_BATCH = 256
MAX_CHARS = 24_000  # about 8k tokens of English text


def batched(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    if size < 1:
        raise ValueError("batch size must be positive")
    for start in range(0, len(items), size):
        yield items[start:start + size]


def prepare(text: str) -> str:
    """Collapse whitespace and truncate; the API rejects empty strings."""
    cleaned = " ".join(text.split())[:MAX_CHARS]
    return cleaned or " "


def normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def cosine_similarity(a: Sequence[float], b: Sequence[float]) -> float:
    va, vb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    denominator = np.linalg.norm(va) * np.linalg.norm(vb)
    return float(va @ vb / denominator) if denominator else 0.0


class Embedder:
    def __init__(self, client: AsyncOpenAI, model: str = DEFAULT_MODEL,
                 dimensions: int | None = None, batch_size: int = 128) -> None:
        self.client, self.model, self.dimensions = client, model, dimensions
        self.batch_size = min(batch_size, MAX_BATCH)

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows: list[list[float]] = []
        for batch in batched([prepare(t) for t in texts], self.batch_size):
            kwargs: dict[str, Any] = {"model": self.model, "input": list(batch)}
            if self.dimensions:
                kwargs["dimensions"] = self.dimensions
            result = await self.client.embeddings.create(**kwargs)
            rows.extend(item.embedding for item in sorted(result.data, key=lambda d: d.index))
        return normalise(np.asarray(rows, dtype=np.float32))

    async def embed_one(self, text: str) -> list[float]:
        return (await self.embed([text]))[0].tolist()


def register(app: Any, config: Mapping[str, Any] | None = None) -> None:
    """Expose ``app.state.embedder``; API key and base URL are shared with llm-openai."""
    config = dict(config or {})
    llm_settings = getattr(app.state, "llm_openai_settings", {})
    client = AsyncOpenAI(
        api_key=config.get("api_key") or llm_settings.get("api_key") or os.environ["OPENAI_API_KEY"],
        base_url=config.get("base_url") or llm_settings.get("base_url"),
    )
    app.state.embedder = Embedder(
        client,
        model=config.get("model", DEFAULT_MODEL),
        dimensions=config.get("dimensions"),
        batch_size=int(config.get("batch_size", 128)),
    )
