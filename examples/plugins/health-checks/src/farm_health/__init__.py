from farm_health.plugin import CheckResult, HealthRegistry, register

__all__ = ["CheckResult", "HealthRegistry", "register"]
