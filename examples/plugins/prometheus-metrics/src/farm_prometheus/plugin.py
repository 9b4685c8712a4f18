"""Prometheus metrics for FARM: request counts, latencies and in-flight requests."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


def route_template(app: Any, scope: Scope) -> str:
    """The matched route's path template (``/items/{item_id}``), to keep label cardinality low."""
    for route in getattr(app, "routes", []):
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return getattr(route, "path", scope["path"])
    return "<unmatched>"


def status_class(code: int) -> str:
    return f"{code // 100}xx" if 100 <= code < 600 else "other"


class Metrics:
    def __init__(self, registry: CollectorRegistry, namespace: str = "farm") -> None:
        self.requests = Counter("http_requests_total", "HTTP requests.",
                                ["method", "route", "status"], namespace=namespace, registry=registry)
        self.latency = Histogram("http_request_duration_seconds", "Request latency.",
                                 ["method", "route"], namespace=namespace, registry=registry,
                                 buckets=BUCKETS)
        self.in_flight = Gauge("http_requests_in_flight", "Requests being served.",
                               namespace=namespace, registry=registry)


class PrometheusMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics, router: Any, skip: tuple[str, ...] = ("/metrics",)) -> None:
        self.app, self.metrics, self.router, self.skip = app, metrics, router, skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.skip:
            await self.app(scope, receive, send)
            return
        route = route_template(self.router, scope)
        status = 500
        start = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.in_flight.dec()
            self.metrics.latency.labels(scope["method"], route).observe(time.perf_counter() - start)
            self.metrics.requests.labels(scope["method"], route, status_class(status)).inc()


def register(app: FastAPI, config: Mapping[str, Any] | None = None) -> Metrics:
    config = dict(config or {})
    registry = CollectorRegistry(auto_describe=True)
    metrics = Metrics(registry, namespace=config.get("namespace", "farm"))
    path = config.get("path", "/metrics")
    app.add_middleware(PrometheusMiddleware, metrics=metrics, router=app.router, skip=(path,))

    @app.get(path, include_in_schema=False)
    async def metrics_endpoint(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    app.state.metrics = metrics
    return metrics
