"""JSON logs with a request id on every line."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SENSITIVE = re.compile(r"(pass(word)?|secret|token|api[_-]?key|authorization|cookie)", re.IGNORECASE)
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def redact(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: mask values of keys that look sensitive, at any depth."""
    for key, value in list(event.items()):
        if SENSITIVE.search(str(key)):
            event[key] = "[redacted]"
        elif isinstance(value, MutableMapping):
            event[key] = redact(_logger, _method, dict(value))
    return event


def configure(level: str = "INFO", json: bool = True) -> None:
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact,
        structlog.processors.dict_tracebacks,
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(),
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = structlog.get_logger("farm.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id)
        start, status = time.perf_counter(), 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.log.info("request", method=scope["method"], path=scope["path"], status=status,
                          duration_ms=round((time.perf_counter() - start) * 1000, 1))
            structlog.contextvars.clear_contextvars()


def register(app: Any, config: Mapping[str, Any] | None = None) -> None:
    config = dict(config or {})
    configure(config.get("level", "INFO"), json=config.get("json", True))
    app.add_middleware(RequestLogMiddleware)
