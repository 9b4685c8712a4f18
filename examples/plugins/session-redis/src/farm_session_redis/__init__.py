from farm_session_redis.plugin import RedisSessionMiddleware, decode, encode, register

__all__ = ["RedisSessionMiddleware", "decode", "encode", "register"]
