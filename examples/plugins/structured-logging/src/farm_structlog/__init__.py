from farm_structlog.plugin import configure, redact, register

__all__ = ["configure", "redact", "register"]
