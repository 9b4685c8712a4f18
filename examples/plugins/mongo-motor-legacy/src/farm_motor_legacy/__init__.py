from farm_motor_legacy.plugin import build_uri, get_db, register

__all__ = ["build_uri", "get_db", "register"]
