from farm_redis_cache.plugin import ResponseCache, cache_key, register

__all__ = ["ResponseCache", "cache_key", "register"]
__version__ = "1.1.0"
