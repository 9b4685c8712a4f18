"""An in-memory stand-in for motor, for fast tests of FARM apps."""

from farm_mongo_mock.plugin import FakeCollection, FakeDatabase, matches, register

__all__ = ["FakeCollection", "FakeDatabase", "matches", "register"]
