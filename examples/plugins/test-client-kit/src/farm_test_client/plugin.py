"""Async test client, lifespan handling, auth headers and JSON assertions."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import APIRouter, FastAPI


def json_subset_diff(expected: Any, actual: Any, path: str = "$") -> list[str]:
    """Differences where ``actual`` does not contain ``expected``.

    Dicts may have extra keys; lists must have the same length; ``...`` matches anything.
    """
    if expected is Ellipsis:
        return []
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return [f"{path}: expected an object, got {type(actual).__name__}"]
        problems = []
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{path}.{key}: missing")
            else:
                problems += json_subset_diff(value, actual[key], f"{path}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected a list of {len(expected)}, got {actual!r}"]
        problems = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            problems += json_subset_diff(e, a, f"{path}[{i}]")
        return problems
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


def assert_json_subset(expected: Any, actual: Any) -> None:
    problems = json_subset_diff(expected, actual)
    if problems:
        pytest.fail("JSON mismatch:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def farm_app() -> FastAPI:
    """Override in your conftest.py to return the application under test."""
    raise pytest.UsageError("define a `farm_app` fixture returning your FastAPI app")


@pytest.fixture
async def client(farm_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with LifespanManager(farm_app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://farm.test") as http:
            yield http


@pytest.fixture
def auth_headers(farm_app: FastAPI) -> Callable[..., dict[str, str]]:
    """``auth_headers("user-1", roles=["admin"])`` -> Authorization header (needs auth-jwt)."""

    def make(subject: str = "test-user", roles: list[str] | None = None) -> dict[str, str]:
        tokens = getattr(farm_app.state, "tokens", None)
        if tokens is None:
            raise pytest.UsageError("auth_headers needs the auth-jwt plugin on the app")
        return {"Authorization": f"Bearer {tokens.issue(subject, roles=roles or [])}"}

    return make


def register(app: FastAPI, config: Mapping[str, Any] | None = None) -> None:
    """In test runs only (``FARM_TESTING=1``), add ``POST /__test__/reset``."""
    if os.environ.get("FARM_TESTING") != "1":
        return
    router = APIRouter(prefix="/__test__", include_in_schema=False)

    @router.post("/reset")
    async def reset() -> dict[str, list[str]]:
        db = app.state.mongo_db
        names = [n for n in await db.list_collection_names() if not n.startswith("system.")]
        for name in names:
            await db[name].delete_many({})
        return {"cleared": names}

    app.include_router(router)
