from farm_session_mongo.plugin import CookieSigner, MongoSessionMiddleware, register

__all__ = ["CookieSigner", "MongoSessionMiddleware", "register"]
