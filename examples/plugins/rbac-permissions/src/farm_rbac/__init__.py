"""Role-based access control on top of auth-jwt."""

from farm_rbac.plugin import Policy, register, require

__all__ = ["Policy", "register", "require"]
