"""A read-mostly admin UI for MongoDB collections, protected by auth-jwt roles."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bson import ObjectId
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse

STATIC = Path(__file__).parent / "static"
MAX_PAGE_SIZE = 200


def parse_sort(spec: str | None, allowed: Sequence[str]) -> list[tuple[str, int]]:
    """``"-created_at,name"`` -> ``[("created_at", -1), ("name", 1)]``; unknown fields are refused."""
    if not spec:
        return [("_id", -1)]
    result = []
    for part in spec.split(","):
        part = part.strip()
        direction = -1 if part.startswith("-") else 1
        field = part.lstrip("+-")
        if field not in allowed:
            raise ValueError(f"cannot sort by {field!r}")
        result.append((field, direction))
    return result


def search_filter(term: str | None, fields: Sequence[str]) -> dict[str, Any]:
    """Case-insensitive substring search over ``fields``; user input is regex-escaped."""
    if not term or not fields:
        return {}
    pattern = {"$regex": re.escape(term.strip()), "$options": "i"}
    return {"$or": [{field: pattern} for field in fields]}


def page_params(page: int, size: int) -> tuple[int, int]:
    size = max(1, min(size, MAX_PAGE_SIZE))
    return max(page - 1, 0) * size, size


def _jsonable(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, ObjectId) else v) for k, v in doc.items()}


def require_admin(request: Request) -> dict[str, Any]:
    from farm_auth_jwt import current_user

    claims = current_user(request, request.headers.get("authorization", "").removeprefix("Bearer "))
    if "admin" not in claims.get("roles", []):
        raise HTTPException(403, "admin role required")
    return claims


def build_router(collections: Mapping[str, Mapping[str, Any]]) -> APIRouter:
    router = APIRouter(prefix="/admin", tags=["admin"])

    @router.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @router.get("/app.jsx", include_in_schema=False)
    async def app_js() -> FileResponse:
        return FileResponse(STATIC / "AdminApp.jsx", media_type="text/javascript")

    @router.get("/api/collections", dependencies=[Depends(require_admin)])
    async def list_collections() -> dict[str, Any]:
        return {name: {"columns": spec.get("columns", [])} for name, spec in collections.items()}

    @router.get("/api/collections/{name}", dependencies=[Depends(require_admin)])
    async def browse(name: str, request: Request, page: int = Query(1, ge=1),
                     size: int = Query(25, ge=1), sort: str | None = None,
                     q: str | None = None) -> dict[str, Any]:
        spec = collections.get(name)
        if spec is None:
            raise HTTPException(404, "unknown collection")
        columns = spec.get("columns", [])
        try:
            order = parse_sort(sort, ["_id", *columns])
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        query = search_filter(q, spec.get("search", []))
        skip, limit = page_params(page, size)
        coll = request.app.state.mongo_db[name]
        projection = {c: 1 for c in columns} if columns else None
        rows = [_jsonable(d) async for d in coll.find(query, projection).sort(order).skip(skip).limit(limit)]
        return {"rows": rows, "total": await coll.count_documents(query), "page": page, "size": limit}

    return router


def register(app: FastAPI, config: Mapping[str, Any] | None = None) -> None:
    """``config["collections"]``: name -> {columns: [...], search: [...]}"""
    config = dict(config or {})
    app.include_router(build_router(config.get("collections", {})))
