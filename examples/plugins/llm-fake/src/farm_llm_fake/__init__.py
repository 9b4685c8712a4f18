from farm_llm_fake.plugin import FakeLLM, register

__all__ = ["FakeLLM", "register"]
