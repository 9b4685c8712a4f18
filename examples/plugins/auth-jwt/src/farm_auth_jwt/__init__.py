"""JWT authentication for FARM applications."""

from farm_auth_jwt.plugin import JWTSettings, TokenService, current_user, hash_password, register, verify_password

__all__ = ["JWTSettings", "TokenService", "current_user", "hash_password", "register", "verify_password"]
__version__ = "2.0.0"
