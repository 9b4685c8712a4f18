"""OpenAI chat completions for FARM applications."""

from farm_llm_openai.plugin import ChatMessage, OpenAIChat, redact_headers, register

__all__ = ["ChatMessage", "OpenAIChat", "redact_headers", "register"]
__version__ = "2.0.0"
