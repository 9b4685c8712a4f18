from farm_llm_anthropic.plugin import AnthropicChat, to_anthropic_messages, register

__all__ = ["AnthropicChat", "to_anthropic_messages", "register"]
