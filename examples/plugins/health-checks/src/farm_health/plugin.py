"""Liveness (``/healthz``) and readiness (``/readyz``) endpoints."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

Check = Callable[[], Awaitable[Any]]


@dataclass
class CheckResult:
    name: str
    ok: bool
    critical: bool
    duration_ms: float
    error: str | None = None


class HealthRegistry:
    def __init__(self, timeout: float = 2.0) -> None:
        self.timeout = timeout
        self._checks: dict[str, tuple[Check, bool]] = {}
        self.listeners: list[Callable[[list[CheckResult]], Awaitable[None]]] = []

    def add(self, name: str, check: Check, critical: bool = True) -> None:
        if name in self._checks:
            raise ValueError(f"health check {name!r} already registered")
        self._checks[name] = (check, critical)

    async def _run(self, name: str, check: Check, critical: bool) -> CheckResult:
        start = time.perf_counter()
        try:
            await asyncio.wait_for(check(), self.timeout)
            error = None
        except asyncio.TimeoutError:
            error = f"timed out after {self.timeout}s"
        except Exception as exc:  # a failing dependency must not break the endpoint
            error = f"{type(exc).__name__}: {exc}"
        elapsed = round((time.perf_counter() - start) * 1000, 2)
        return CheckResult(name, error is None, critical, elapsed, error)

    async def run(self) -> list[CheckResult]:
        results = await asyncio.gather(*(self._run(n, c, crit) for n, (c, crit) in self._checks.items()))
        for listener in self.listeners:
            await listener(list(results))
        return list(results)

    @staticmethod
    def summarise(results: list[CheckResult]) -> tuple[str, int]:
        """``("ok"|"degraded"|"failing", http status)``; only critical failures give 503."""
        if any(not r.ok and r.critical for r in results):
            return "failing", 503
        if any(not r.ok for r in results):
            return "degraded", 200
        return "ok", 200


def register(app: FastAPI, config: Mapping[str, Any] | None = None) -> HealthRegistry:
    config = dict(config or {})
    health = HealthRegistry(timeout=float(config.get("timeout", 2.0)))
    app.state.health = health

    async def mongo_ping() -> None:
        await app.state.mongo_db.command("ping")

    if config.get("mongo", True):
        health.add("mongodb", mongo_ping)

    @app.get("/healthz", include_in_schema=False)
    async def liveness() -> dict[str, str]:
        return {"status": "alive"}

    @app.get("/readyz", include_in_schema=False)
    async def readiness() -> JSONResponse:
        results = await health.run()
        status, code = health.summarise(results)
        return JSONResponse({"status": status, "checks": [asdict(r) for r in results]}, status_code=code)

    return health
