"""Just enough of motor's collection API, backed by a list of dicts."""

from __future__ import annotations

import copy
import itertools
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from bson import ObjectId

_COMPARE = {
    "$eq": lambda a, b: a == b,
    "$ne": lambda a, b: a != b,
    "$gt": lambda a, b: a is not None and a > b,
    "$gte": lambda a, b: a is not None and a >= b,
    "$lt": lambda a, b: a is not None and a < b,
    "$lte": lambda a, b: a is not None and a <= b,
    "$in": lambda a, b: a in b,
    "$nin": lambda a, b: a not in b,
}
_MISSING = object()


def _get(doc: Mapping[str, Any], dotted: str) -> Any:
    value: Any = doc
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def matches(doc: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    """Evaluate a (subset of a) MongoDB query against one document."""
    for key, condition in query.items():
        if key == "$and":
            if not all(matches(doc, q) for q in condition):
                return False
            continue
        if key == "$or":
            if not any(matches(doc, q) for q in condition):
                return False
            continue
        value = _get(doc, key)
        if isinstance(condition, Mapping) and condition and all(k.startswith("$") for k in condition):
            for op, operand in condition.items():
                if op == "$exists":
                    if (value is not _MISSING) != bool(operand):
                        return False
                elif op in _COMPARE:
                    actual = None if value is _MISSING else value
                    if isinstance(actual, list) and op in {"$eq", "$in"}:
                        if not any(_COMPARE[op](item, operand) for item in actual):
                            return False
                    elif not _COMPARE[op](actual, operand):
                        return False
                else:
                    raise NotImplementedError(f"operator {op} is not supported by mongo-mock")
        elif isinstance(value, list) and not isinstance(condition, list):
            if condition not in value:
                return False
        elif (None if value is _MISSING else value) != condition:
            return False
    return True


@dataclass
class Result:
    inserted_id: Any = None
    matched_count: int = 0
    modified_count: int = 0
    deleted_count: int = 0


class FakeCursor:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self._docs = docs

    def sort(self, key: str | list[tuple[str, int]], direction: int = 1) -> FakeCursor:
        keys = [(key, direction)] if isinstance(key, str) else key
        for field, order in reversed(keys):
            self._docs.sort(key=lambda d: (_get(d, field) is _MISSING, _get(d, field)), reverse=order < 0)
        return self

    def skip(self, n: int) -> FakeCursor:
        self._docs = self._docs[n:]
        return self

    def limit(self, n: int) -> FakeCursor:
        self._docs = self._docs[:n] if n else self._docs
        return self

    async def to_list(self, length: int | None = None) -> list[dict[str, Any]]:
        return self._docs[:length] if length else list(self._docs)

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        async def gen() -> AsyncIterator[dict[str, Any]]:
            for doc in self._docs:
                yield doc
        return gen()


class FakeCollection:
    def __init__(self) -> None:
        self.docs: list[dict[str, Any]] = []

    async def insert_one(self, doc: dict[str, Any]) -> Result:
        doc.setdefault("_id", ObjectId())
        if any(d["_id"] == doc["_id"] for d in self.docs):
            raise ValueError(f"duplicate key _id={doc['_id']!r}")
        self.docs.append(copy.deepcopy(doc))
        return Result(inserted_id=doc["_id"])

    def find(self, query: Mapping[str, Any] | None = None, *_: Any) -> FakeCursor:
        return FakeCursor([copy.deepcopy(d) for d in self.docs if matches(d, query or {})])

    async def find_one(self, query: Mapping[str, Any] | None = None, *_: Any) -> dict[str, Any] | None:
        return next(iter(self.find(query)._docs), None)

    async def count_documents(self, query: Mapping[str, Any]) -> int:
        return sum(1 for d in self.docs if matches(d, query))

    async def update_one(self, query: Mapping[str, Any], update: Mapping[str, Any],
                         upsert: bool = False) -> Result:
        target = next((d for d in self.docs if matches(d, query)), None)
        if target is None:
            if not upsert:
                return Result()
            target = {k: v for k, v in query.items() if not k.startswith("$")}
            await self.insert_one(target)
            target = self.docs[-1]
        before = copy.deepcopy(target)
        for field, value in update.get("$set", {}).items():
            target[field] = value
        for field, value in update.get("$inc", {}).items():
            target[field] = target.get(field, 0) + value
        for field, value in update.get("$push", {}).items():
            target.setdefault(field, []).append(value)
        for field in update.get("$unset", {}):
            target.pop(field, None)
        return Result(matched_count=1, modified_count=int(before != target))

    async def delete_one(self, query: Mapping[str, Any]) -> Result:
        for i, doc in enumerate(self.docs):
            if matches(doc, query):
                del self.docs[i]
                return Result(deleted_count=1)
        return Result()

    async def create_index(self, *args: Any, **kwargs: Any) -> str:
        return "_".join(str(a) for a in itertools.chain(args, ["1"]))


class FakeDatabase(dict[str, FakeCollection]):
    def __missing__(self, name: str) -> FakeCollection:
        self[name] = FakeCollection()
        return self[name]

    def __getattr__(self, name: str) -> FakeCollection:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]

    async def list_collection_names(self) -> list[str]:
        return sorted(self)


def register(app: Any, config: Mapping[str, Any] | None = None) -> None:
    """Replace ``app.state.mongo_db`` with an in-memory database."""
    app.state.mongo_db = FakeDatabase()
