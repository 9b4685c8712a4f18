"""MongoDB ODM for FARM applications: pydantic documents and async repositories."""

from farm_mongo_odm.plugin import Document, Repository, build_filter, register

__all__ = ["Document", "Repository", "build_filter", "register"]
__version__ = "2.0.0"
