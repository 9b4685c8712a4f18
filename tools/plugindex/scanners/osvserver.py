"""A small OSV-compatible HTTP API over an OsvDatabase, enough for ``pip-audit -s osv``.

``POST /v1/query``, ``POST /v1/querybatch`` and ``GET /v1/vulns/<id>``, as api.osv.dev answers
them (PyPI only); errors are JSON ``{"code", "message"}`` with gRPC codes, as osv.dev sends.
Like osv.dev, queries never return a withdrawn advisory (one with a ``withdrawn`` time; pip-audit
would skip it too), while ``/v1/vulns/<id>`` serves it with its ``withdrawn`` field, so that a
client can tell a withdrawn advisory from one that vanished.
"""

from __future__ import annotations

import json
import sys
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from plugindex.scanners.osvdb import ECOSYSTEM, OsvDatabase

MAX_BODY = 1024 * 1024
MAX_BATCH = 1000
_GRPC_CODES = {400: 3, 404: 5, 405: 12, 411: 3, 413: 8, 500: 13}
_ROUTES = {"/v1/query": "POST", "/v1/querybatch": "POST", "/v1/vulns/": "GET"}


class HttpError(Exception):
    """An error answer: its HTTP status and a message for the client."""

    def __init__(self, status: HTTPStatus, message: str, allow: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.allow = allow


def _bad(message: str) -> HttpError:
    return HttpError(HTTPStatus.BAD_REQUEST, message)


def parse_purl(purl: object) -> tuple[str, str | None]:
    """(name, version or None) from ``pkg:pypi/name@version``; HttpError 400 otherwise."""
    if not isinstance(purl, str) or not purl.lower().startswith("pkg:"):
        raise _bad("purl must be a string 'pkg:pypi/<name>@<version>'")
    rest = purl[4:].lstrip("/").split("#", 1)[0].split("?", 1)[0]
    kind, _, path = rest.partition("/")
    if kind.lower() != "pypi":
        raise _bad(f"only PyPI packages are served, not purl type '{kind}'")
    name, at, version = path.partition("@")
    if not name or "/" in name or (at and not version):
        raise _bad(f"malformed purl: {purl!r}")
    return unquote(name), unquote(version) if at else None


def parse_query(query: object) -> tuple[str, str]:
    """(name, version) from an OSV query object; HttpError 400 when it is not a PyPI one."""
    if not isinstance(query, dict):
        raise _bad("a query must be a JSON object")
    package = query.get("package", {})
    if not isinstance(package, dict):
        raise _bad("'package' must be an object")
    purl = package.get("purl", query.get("purl"))
    if purl is not None:
        name, ecosystem, version = _purl_fields(purl, package, query.get("version"))
    else:
        name, ecosystem, version = (package.get("name"), package.get("ecosystem"),
                                    query.get("version"))
    if _text("package.ecosystem", ecosystem) != ECOSYSTEM:
        raise _bad(f"only the {ECOSYSTEM} ecosystem is served, not {ecosystem!r}")
    return _text("package.name", name), _text("version", version)


def _purl_fields(purl: object, package: dict[str, Any],
                 version: object) -> tuple[object, object, object]:
    name, purl_version = parse_purl(purl)
    if purl_version is not None and version not in (None, purl_version):
        raise _bad("the purl and 'version' name different versions")
    return name, package.get("ecosystem", ECOSYSTEM), purl_version if version is None else version


def _text(field: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise _bad(f"missing or empty '{field}' (commit queries are not supported)")
    return value


class OsvServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that answers OSV queries from ``db``."""

    daemon_threads = False  # server_close() waits for requests being answered
    block_on_close = True

    def __init__(self, db: OsvDatabase, address: tuple[str, int], verbose: bool) -> None:
        self.db = db
        self.verbose = verbose
        super().__init__(address, OsvHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if self.verbose or not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def query(self, query: object) -> list[dict[str, Any]]:
        """The advisories affecting the queried version, withdrawn ones left out."""
        return [v for v in self.db.query(*parse_query(query)) if not v.get("withdrawn")]

    def answer(self, path: str, body: object) -> dict[str, Any]:
        """The JSON answer to a routed request, given its parsed body (None for GET)."""
        if path == "/v1/query":
            return {"vulns": vulns} if (vulns := self.query(body)) else {}
        if path == "/v1/querybatch":
            return {"results": [_brief(self.query(q)) for q in _batch(body)]}
        advisory = self.db.get(unquote(path.removeprefix("/v1/vulns/")))
        if advisory is None:
            raise HttpError(HTTPStatus.NOT_FOUND, "Bug not found.")
        return advisory


def _batch(body: object) -> list[object]:
    queries = body.get("queries") if isinstance(body, dict) else None
    if not isinstance(queries, list):
        raise _bad("the body must be an object with a 'queries' list")
    if len(queries) > MAX_BATCH:
        raise _bad(f"at most {MAX_BATCH} queries per batch")
    return queries


def _brief(vulns: list[dict[str, Any]]) -> dict[str, Any]:
    if not vulns:
        return {}
    return {"vulns": [{"id": v["id"], "modified": v.get("modified")} for v in vulns]}


def check_route(method: str, path: str) -> None:
    """HttpError 404 for an unknown path, 405 for a known one asked with the wrong method."""
    key = "/v1/vulns/" if path.startswith("/v1/vulns/") and len(path) > 10 else path
    allowed = _ROUTES.get(key)
    if allowed is None:
        raise HttpError(HTTPStatus.NOT_FOUND, f"no such endpoint: {path}")
    if method != allowed:
        raise HttpError(HTTPStatus.METHOD_NOT_ALLOWED, f"use {allowed} for {key}", allowed)


class OsvHandler(BaseHTTPRequestHandler):
    """One connection: route, read at most MAX_BODY bytes, answer JSON, close."""

    server: OsvServer
    server_version = "plugindex-osv/1"
    timeout = 10

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def _handle(self, method: str) -> None:
        path = urlsplit(self.path).path
        try:
            check_route(method, path)
            body = self._read_json() if method == "POST" else None
            answer = self._answer(path, body)
        except HttpError as exc:
            self._send(exc.status, {"code": _GRPC_CODES[exc.status], "message": exc.message},
                       exc.allow)
        else:
            self._send(HTTPStatus.OK, answer)

    def _answer(self, path: str, body: object) -> dict[str, Any]:
        try:
            return self.server.answer(path, body)
        except HttpError:
            raise
        except Exception as exc:  # a bug: say so on stderr, answer 500 and keep serving
            traceback.print_exc(file=sys.stderr)
            raise HttpError(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error") from exc

    def _read_json(self) -> object:
        if "Transfer-Encoding" in self.headers:
            raise HttpError(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length")
        length = self._content_length()
        if length > MAX_BODY:
            raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                            f"the body is larger than {MAX_BODY} bytes")
        data = self.rfile.read(length)
        if len(data) != length:
            raise _bad("the body is shorter than its Content-Length")
        try:
            return json.loads(data)
        except (ValueError, RecursionError):
            raise _bad("the body is not valid JSON") from None

    def _content_length(self) -> int:
        text = self.headers.get("Content-Length")
        if text is None:
            raise HttpError(HTTPStatus.LENGTH_REQUIRED, "a Content-Length header is required")
        if not (text.isascii() and text.strip().isdigit()):
            raise _bad("Content-Length is not a number")
        return int(text)

    def _send(self, status: HTTPStatus, answer: dict[str, Any], allow: str = "") -> None:
        data = json.dumps(answer, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if allow:
            self.send_header("Allow", allow)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


def make_server(db: OsvDatabase, host: str = "127.0.0.1", port: int = 0, *,
                verbose: bool = False) -> OsvServer:
    """A bound server (not yet serving: call serve_forever(), then shutdown, server_close())."""
    return OsvServer(db, (host, port), verbose)


def url(server: ThreadingHTTPServer) -> str:
    """The base URL of a server, e.g. ``http://127.0.0.1:8790``."""
    host, port = server.server_address[:2]
    if isinstance(host, bytes):
        host = host.decode()
    if host in ("", "0.0.0.0"):  # noqa: S104 (a wildcard address is reached via loopback)
        host = "127.0.0.1"
    return f"http://{host}:{port}"
