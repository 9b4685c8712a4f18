"""Versioned, reversible MongoDB migrations for FARM applications."""

from farm_mongo_migrations.plugin import Migration, discover, plan, register

__all__ = ["Migration", "discover", "plan", "register"]
