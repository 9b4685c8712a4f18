"""Retrieval-augmented generation for FARM: ingest, retrieve, answer."""

from farm_rag.plugin import build_prompt, chunk_text, register

__all__ = ["build_prompt", "chunk_text", "register"]
