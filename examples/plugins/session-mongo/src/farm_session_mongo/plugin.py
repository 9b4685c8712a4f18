"""Server-side sessions stored in MongoDB, referenced by a signed cookie."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from itsdangerous import BadSignature, TimestampSigner
from motor.motor_asyncio import AsyncIOMotorCollection
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "farm_session"


class CookieSigner:
    def __init__(self, key: str, max_age: int) -> None:
        self._signer = TimestampSigner(key, salt="farm-session")
        self.max_age = max_age

    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(32)

    def sign(self, session_id: str) -> str:
        return self._signer.sign(session_id).decode()

    def unsign(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            return self._signer.unsign(cookie, max_age=self.max_age).decode()
        except BadSignature:
            return None


class MongoSessionMiddleware:
    """Puts a dict on ``request.session``; saves it only if it changed."""

    def __init__(self, app: ASGIApp, collection: AsyncIOMotorCollection, signer: CookieSigner,
                 secure: bool = True) -> None:
        self.app, self.collection, self.signer, self.secure = app, collection, signer, secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        session_id = self.signer.unsign(connection.cookies.get(COOKIE))
        stored = await self.collection.find_one({"_id": session_id}) if session_id else None
        initial = dict(stored["data"]) if stored else {}
        scope["session"] = dict(initial)

        async def send_wrapper(message: Message) -> None:
            nonlocal session_id
            if message["type"] == "http.response.start":
                current = scope["session"]
                headers = MutableHeaders(scope=message)
                if current != initial or (current and stored is None):
                    session_id = session_id if stored else self.signer.new_id()
                    expires = datetime.now(timezone.utc) + timedelta(seconds=self.signer.max_age)
                    await self.collection.replace_one(
                        {"_id": session_id}, {"data": current, "expires_at": expires}, upsert=True
                    )
                    headers.append("Set-Cookie", self.cookie(self.signer.sign(session_id)))
                elif not current and stored is not None:
                    await self.collection.delete_one({"_id": session_id})
                    headers.append("Set-Cookie", self.cookie("", max_age=0))
            await send(message)

        await self.app(scope, receive, send_wrapper)

    def cookie(self, value: str, max_age: int | None = None) -> str:
        age = self.signer.max_age if max_age is None else max_age
        flags = "; Secure" if self.secure else ""
        return f"{COOKIE}={value}; Path=/; Max-Age={age}; HttpOnly; SameSite=Lax{flags}"


def register(app: Any, config: Mapping[str, Any] | None = None) -> None:
    config = dict(config or {})
    max_age = int(config.get("max_age", 14 * 24 * 3600))
    signer = CookieSigner(config.get("key") or os.environ["FARM_SESSION_KEY"], max_age)

    async def _ensure_ttl_index() -> None:
        coll = app.state.mongo_db[config.get("collection", "sessions")]
        await coll.create_index("expires_at", expireAfterSeconds=0)
        app.state.session_collection = coll

    app.add_event_handler("startup", _ensure_ttl_index)

    class _Lazy(MongoSessionMiddleware):
        def __init__(self, inner: ASGIApp) -> None:
            super().__init__(inner, None, signer, secure=bool(config.get("secure", True)))  # type: ignore[arg-type]

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            self.collection = app.state.session_collection
            await super().__call__(scope, receive, send)

    app.add_middleware(_Lazy)
