"""Vector search on MongoDB Atlas (``$vectorSearch``) for FARM applications."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from motor.motor_asyncio import AsyncIOMotorCollection
from pymongo import UpdateOne
from pymongo.operations import SearchIndexModel

Similarity = Literal["cosine", "euclidean", "dotProduct"]


def index_definition(path: str, dimensions: int, similarity: Similarity = "cosine",
                     filters: Sequence[str] = ()) -> dict[str, Any]:
    """Atlas ``vectorSearch`` index definition for one embedding field."""
    if not 1 <= dimensions <= 4096:
        raise ValueError("Atlas supports 1 to 4096 dimensions")
    fields: list[dict[str, Any]] = [
        {"type": "vector", "path": path, "numDimensions": dimensions, "similarity": similarity}
    ]
    fields += [{"type": "filter", "path": f} for f in filters]
    return {"fields": fields}


def search_pipeline(vector: Sequence[float], *, index: str, path: str, k: int = 5,
                    candidates: int | None = None, filter: Mapping[str, Any] | None = None,
                    min_score: float | None = None, project: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Aggregation pipeline returning the ``k`` nearest documents with their score."""
    if k < 1:
        raise ValueError("k must be at least 1")
    stage: dict[str, Any] = {
        "index": index,
        "path": path,
        "queryVector": list(vector),
        "numCandidates": candidates or max(k * 10, 100),
        "limit": k,
    }
    if filter:
        stage["filter"] = dict(filter)
    pipeline: list[dict[str, Any]] = [
        {"$vectorSearch": stage},
        {"$addFields": {"score": {"$meta": "vectorSearchScore"}}},
    ]
    if min_score is not None:
        pipeline.append({"$match": {"score": {"$gte": min_score}}})
    projection = {"score": 1, **{f: 1 for f in project}} if project else {path: 0}
    pipeline.append({"$project": projection})
    return pipeline


class AtlasVectorStore:
    def __init__(self, collection: AsyncIOMotorCollection, *, index: str = "vector_index",
                 path: str = "embedding", dimensions: int = 1536) -> None:
        self.collection, self.index, self.path, self.dimensions = collection, index, path, dimensions

    async def ensure_index(self, filters: Sequence[str] = ()) -> None:
        existing = [i["name"] async for i in self.collection.list_search_indexes()]
        if self.index not in existing:
            model = SearchIndexModel(
                definition=index_definition(self.path, self.dimensions, filters=filters),
                name=self.index,
                type="vectorSearch",
            )
            await self.collection.create_search_indexes([model])

    async def upsert(self, docs: Sequence[Mapping[str, Any]]) -> int:
        """Insert or replace documents keyed by ``_id``; each carries its embedding."""
        ops = []
        for doc in docs:
            if len(doc[self.path]) != self.dimensions:
                raise ValueError(f"document {doc['_id']!r} has the wrong number of dimensions")
            ops.append(UpdateOne({"_id": doc["_id"]}, {"$set": dict(doc)}, upsert=True))
        if not ops:
            return 0
        result = await self.collection.bulk_write(ops, ordered=False)
        return result.upserted_count + result.modified_count

    async def search(self, vector: Sequence[float], k: int = 5, **options: Any) -> list[dict[str, Any]]:
        pipeline = search_pipeline(vector, index=self.index, path=self.path, k=k, **options)
        return [doc async for doc in self.collection.aggregate(pipeline)]


def register(app: Any, config: Mapping[str, Any] | None = None) -> None:
    config = dict(config or {})

    async def _startup() -> None:
        collection = app.state.mongo_db[config.get("collection", "chunks")]
        app.state.vector_store = AtlasVectorStore(
            collection,
            index=config.get("index", "vector_index"),
            path=config.get("path", "embedding"),
            dimensions=int(config.get("dimensions", 1536)),
        )
        if config.get("create_index", True):
            await app.state.vector_store.ensure_index(config.get("filters", ()))

    app.add_event_handler("startup", _startup)
