from farm_llm_costs.plugin import PRICES, cost_usd, normalise_model, register

__all__ = ["PRICES", "cost_usd", "normalise_model", "register"]
