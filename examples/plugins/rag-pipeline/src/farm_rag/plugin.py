"""Glue between embeddings-openai, vector-mongo-atlas and llm-openai."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel, Field

SYSTEM_PROMPT = (
    "Answer using only the numbered sources below. Cite sources like [1]. "
    "If the sources do not contain the answer, say you do not know."
)


def chunk_text(text: str, size: int = 200, overlap: int = 40) -> list[str]:
    """Split ``text`` into chunks of ``size`` words sharing ``overlap`` words."""
    if size <= 0 or not 0 <= overlap < size:
        raise ValueError("need size > 0 and 0 <= overlap < size")
    words = text.split()
    if not words:
        return []
    step = size - overlap
    chunks = []
    for start in range(0, len(words), step):
        chunks.append(" ".join(words[start:start + size]))
        if start + size >= len(words):
            break
    return chunks


def build_prompt(question: str, hits: Sequence[Mapping[str, Any]],
                 max_chars: int = 12_000) -> list[dict[str, str]]:
    """Chat messages with numbered sources, trimmed to a character budget."""
    sources, used = [], 0
    for number, hit in enumerate(hits, start=1):
        entry = f"[{number}] ({hit.get('source', 'unknown')}) {hit['text']}"
        if used + len(entry) > max_chars:
            break
        sources.append(entry)
        used += len(entry)
    context = "\n\n".join(sources) if sources else "(no sources found)"
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"Sources:\n{context}\n\nQuestion: {question}"},
    ]


class IngestIn(BaseModel):
    source: str = Field(min_length=1, max_length=500)
    text: str = Field(min_length=1)
    tenant: str | None = None


class AskIn(BaseModel):
    question: str = Field(min_length=3, max_length=2000)
    k: int = Field(default=5, ge=1, le=20)
    tenant: str | None = None


class AskOut(BaseModel):
    answer: str
    sources: list[str]


router = APIRouter(prefix="/rag", tags=["rag"])


@router.post("/ingest")
async def ingest(body: IngestIn, request: Request) -> dict[str, int]:
    state = request.app.state
    chunks = chunk_text(body.text, **state.rag_chunking)
    vectors = await state.embedder.embed(chunks)
    docs = [
        {"_id": f"{body.source}#{i}", "source": body.source, "text": chunk,
         "tenant": body.tenant, "embedding": vector.tolist()}
        for i, (chunk, vector) in enumerate(zip(chunks, vectors))
    ]
    return {"chunks": await state.vector_store.upsert(docs)}


@router.post("/ask", response_model=AskOut)
async def ask(body: AskIn, request: Request) -> AskOut:
    from farm_llm_openai.plugin import ChatRequest

    state = request.app.state
    query = await state.embedder.embed_one(body.question)
    hits = await state.vector_store.search(
        query, k=body.k, filter={"tenant": body.tenant} if body.tenant else None,
        project=["text", "source"],
    )
    reply = await state.llm.complete(ChatRequest(messages=build_prompt(body.question, hits)))
    return AskOut(answer=reply.content, sources=[h["source"] for h in hits])


def register(app: FastAPI, config: Mapping[str, Any] | None = None) -> None:
    config = dict(config or {})
    app.state.rag_chunking = {
        "size": int(config.get("chunk_words", 200)),
        "overlap": int(config.get("chunk_overlap", 40)),
    }
    app.include_router(router)
