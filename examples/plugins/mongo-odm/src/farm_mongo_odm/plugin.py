"""Pydantic documents stored in MongoDB through motor, plus FastAPI wiring."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, ClassVar, Generic, TypeVar

from bson import ObjectId
from fastapi import FastAPI, Request
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase
from pydantic import BaseModel, ConfigDict, Field

OPERATORS = {"gt", "gte", "lt", "lte", "ne", "in", "nin", "exists", "regex"}


class Document(BaseModel):
    """Base class for documents. Subclasses set ``collection``."""

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)
    collection: ClassVar[str] = ""

    id: str | None = Field(default=None, alias="_id")

    def to_mongo(self) -> dict[str, Any]:
        data = self.model_dump(by_alias=True, exclude_none=True)
        if "_id" in data:
            data["_id"] = ObjectId(data["_id"])
        return data

    @classmethod
    def from_mongo(cls, raw: Mapping[str, Any]) -> Document:
        data = dict(raw)
        if "_id" in data:
            data["_id"] = str(data["_id"])
        return cls.model_validate(data)


def build_filter(**lookups: Any) -> dict[str, Any]:
    """Turn Django-style lookups into a MongoDB filter.

    ``build_filter(age__gte=18, name="ada")`` -> ``{"age": {"$gte": 18}, "name": "ada"}``
    """
    query: dict[str, Any] = {}
    for key, value in lookups.items():
        field, _, op = key.rpartition("__")
        if not field or op not in OPERATORS:
            field, op = key, ""
        field = "_id" if field == "id" else field.replace("__", ".")
        if field == "_id" and isinstance(value, str) and ObjectId.is_valid(value):
            value = ObjectId(value)
        if op:
            query.setdefault(field, {})[f"${op}"] = value
        else:
            query[field] = value
    return query


D = TypeVar("D", bound=Document)


class Repository(Generic[D]):
    """Async CRUD helpers for one document class."""

    def __init__(self, db: AsyncIOMotorDatabase, model: type[D]) -> None:
        if not model.collection:
            raise ValueError(f"{model.__name__} does not set 'collection'")
        self.model = model
        self.coll = db[model.collection]

    async def get(self, doc_id: str) -> D | None:
        raw = await self.coll.find_one(build_filter(id=doc_id))
        return self.model.from_mongo(raw) if raw else None  # type: ignore[return-value]

    async def find(self, limit: int = 100, **lookups: Any) -> list[D]:
        cursor = self.coll.find(build_filter(**lookups)).limit(limit)
        return [self.model.from_mongo(raw) async for raw in cursor]  # type: ignore[misc]

    async def insert(self, doc: D) -> D:
        result = await self.coll.insert_one(doc.to_mongo())
        doc.id = str(result.inserted_id)
        return doc

    async def update(self, doc_id: str, **changes: Any) -> bool:
        result = await self.coll.update_one(build_filter(id=doc_id), {"$set": changes})
        return result.modified_count == 1

    async def delete(self, doc_id: str) -> bool:
        result = await self.coll.delete_one(build_filter(id=doc_id))
        return result.deleted_count == 1


def get_database(request: Request) -> AsyncIOMotorDatabase:
    """FastAPI dependency returning the application's database."""
    return request.app.state.mongo_db


def register(app: FastAPI, config: Mapping[str, Any] | None = None) -> None:
    """Open one MotorClient for the app's lifetime and expose ``get_database``."""
    config = dict(config or {})
    uri = config.get("uri") or os.environ.get("FARM_MONGO_URI", "mongodb://localhost:27017")
    db_name = config.get("database") or os.environ.get("FARM_MONGO_DB", "farm")
    pool = int(config.get("max_pool_size", 50))
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[Any]:
        client: AsyncIOMotorClient = AsyncIOMotorClient(uri, maxPoolSize=pool, tz_aware=True)
        app_.state.mongo_client = client
        app_.state.mongo_db = client[db_name]
        try:
            async with inner(app_) as state:
                yield state
        finally:
            client.close()

    app.router.lifespan_context = lifespan
