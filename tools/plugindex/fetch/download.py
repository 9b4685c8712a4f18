"""Fetch one source archive over HTTP(S), bounded in size and time, with bounded retries.

:func:`download` streams a URL into a file (atomically: a temporary file beside it, then a rename)
and turns every failure into a :class:`SourceRefused` or :class:`FetchFailed`;
:func:`verify_sha256` compares a file with its declared digest.

Redirects are followed to http and https URLs on the URL's own host (or a subdomain of it, as
github.com's archives move to codeload.github.com) and on the hosts the caller allows (the
registry's source hosts and mirrors); a redirect anywhere else is refused, so that an allowed
host cannot send the fetcher to a machine the registry never vetted (an internal address, a
cloud metadata service).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import ssl
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from email.message import Message
from pathlib import Path
from typing import IO
from urllib.parse import urljoin, urlsplit

from plugindex.config.scan import SourceLimits
from plugindex.fetch.problems import FetchFailed, SourceRefused, retrying

SCHEMES = ("http", "https")
CHUNK = 64 * 1024
USER_AGENT = "plugindex-source-fetch"


def download(
    url: str,
    dest: Path,
    *,
    limits: SourceLimits,
    sleep: Callable[[float], None] = time.sleep,
    redirect_hosts: Iterable[str] = (),
) -> int:
    """Save the body of ``url`` as ``dest`` and return its size in bytes.

    Each attempt has a deadline of ``limits.timeout_seconds`` (also the timeout of every socket
    operation); transient failures are retried ``limits.retries`` more times, waiting 0.5 s,
    1 s, 2 s, ... through ``sleep``. ``dest`` is never left holding a partial body. Redirects
    are followed only to ``url``'s host, ``redirect_hosts`` and their subdomains.
    """
    _check_scheme(url, url)
    allowed = frozenset(h.lower().rstrip(".") for h in (_host(url), *redirect_hosts) if h)
    return retrying(lambda: _attempt(url, dest, limits, allowed), limits.retries, sleep)


def verify_sha256(path: Path, expected: str) -> None:
    """Refuse ``path`` unless its SHA-256 is ``expected`` (hex, any case)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    actual = digest.hexdigest()
    wanted = expected.strip().lower()
    if actual != wanted:
        raise SourceRefused(
            "sha256-mismatch",
            f"{path.name}: sha256 mismatch: expected {wanted}, actual {actual} "
            f"({size} bytes); the declared digest is not updated automatically",
        )


def _check_scheme(url: str, origin: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in SCHEMES:
        where = "" if url == origin else f" (redirected from {origin})"
        raise SourceRefused(
            "url-scheme",
            f"{url}{where}: scheme {scheme or '(none)'!r} is refused; only http and https "
            "are fetched",
        )


def _host(url: str) -> str:
    """The URL's host name in lower case ('' when it has none or cannot be parsed)."""
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""


def redirect_allowed(target: str, allowed: frozenset[str]) -> bool:
    """Is ``target``'s host one of ``allowed`` or a subdomain of one?"""
    host = _host(target)
    return bool(host) and any(host == a or host.endswith("." + a) for a in allowed)


def _check_host(url: str, origin: str, allowed: frozenset[str]) -> None:
    if not redirect_allowed(url, allowed):
        raise SourceRefused(
            "redirect-other-host",
            f"{origin}: redirected to {url}, on another host ({_host(url) or 'none'}); "
            f"redirects are followed only to {', '.join(sorted(allowed))} and their subdomains",
        )


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to http and https URLs on allowed hosts; anything else is a
    refusal."""

    def __init__(self, allowed: frozenset[str]) -> None:
        super().__init__()
        self.allowed = allowed

    def http_error_302(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
    ) -> IO[bytes] | None:
        location = headers.get("location") or headers.get("uri")
        if location:
            target = urljoin(req.full_url, str(location).strip())
            try:
                _check_scheme(target, req.full_url)
                _check_host(target, req.full_url, self.allowed)
            except SourceRefused:
                fp.close()
                raise
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _opener(allowed: frozenset[str]) -> urllib.request.OpenerDirector:
    """An opener that knows http and https only (no file:, ftp: or data: handlers) and
    follows redirects to ``allowed`` hosts only."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.UnknownHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        _CheckedRedirects(allowed),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def _attempt(url: str, dest: Path, limits: SourceLimits, allowed: frozenset[str]) -> int:
    deadline = time.monotonic() + limits.timeout_seconds
    # The scheme was checked by download(), and the opener has http and https handlers only.
    request = urllib.request.Request(  # noqa: S310
        url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    )
    try:
        response = _opener(allowed).open(request, timeout=limits.timeout_seconds)
    except urllib.error.HTTPError as exc:
        with contextlib.closing(exc):
            raise _http_problem(url, exc.code, str(exc.reason)) from None
    except urllib.error.URLError as exc:
        raise _network_problem(url, exc.reason) from None
    except (OSError, http.client.HTTPException) as exc:
        raise _network_problem(url, exc) from None
    with response:
        announced = _announced_size(url, response.headers, limits)
        return _save(url, response, dest, limits, deadline, announced)


def _http_problem(url: str, status: int, reason: str) -> FetchFailed:
    what = f"{url}: HTTP {status} {reason}".rstrip()
    if status in (404, 410):
        return FetchFailed("http-not-found", f"{what} (not retried)", transient=False)
    if status >= 500:
        return FetchFailed("http-unavailable", what, transient=True)
    return FetchFailed("http-error", f"{what} (not retried)", transient=False)


def _network_problem(url: str, reason: object) -> FetchFailed:
    if isinstance(reason, TimeoutError):
        return FetchFailed("timeout", f"{url}: timed out ({reason or 'no response'})",
                           transient=True)
    if isinstance(reason, ssl.SSLCertVerificationError):
        return FetchFailed("tls-error", f"{url}: TLS certificate refused ({reason})",
                           transient=False)
    return FetchFailed("unreachable", f"{url}: unreachable ({reason})", transient=True)


def _announced_size(url: str, headers: Message, limits: SourceLimits) -> int | None:
    """The Content-Length, refused when over the cap; None when absent or unreadable."""
    value = headers.get("Content-Length")
    try:
        announced = int(str(value)) if value is not None else None
    except ValueError:
        announced = None  # garbage: the streamed cap still applies
    if announced is not None and announced > limits.download_bytes:
        raise SourceRefused(
            "download-too-large",
            f"{url}: announces {announced} bytes, over the download cap of "
            f"{limits.download_bytes} bytes (nothing downloaded)",
        )
    return announced


def _save(
    url: str,
    response: http.client.HTTPResponse,
    dest: Path,
    limits: SourceLimits,
    deadline: float,
    announced: int | None,
) -> int:
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            written = _stream(url, response, out, limits, deadline)
        if announced is not None and written != announced:
            raise FetchFailed(
                "unreachable",
                f"{url}: the connection ended after {written} of the {announced} bytes "
                "announced",
                transient=True,
            )
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return written


def _stream(
    url: str,
    response: http.client.HTTPResponse,
    out: IO[bytes],
    limits: SourceLimits,
    deadline: float,
) -> int:
    cap = limits.download_bytes
    written = 0
    while True:
        if time.monotonic() > deadline:
            raise FetchFailed(
                "timeout",
                f"{url}: not complete within {limits.timeout_seconds} s "
                f"({written} bytes received)",
                transient=True,
            )
        chunk = _read_chunk(url, response, min(CHUNK, cap - written + 1))
        if not chunk:
            return written
        written += len(chunk)
        if written > cap:
            raise SourceRefused(
                "download-too-large",
                f"{url}: the body exceeds the download cap of {cap} bytes "
                f"(stopped after {written} bytes)",
            )
        out.write(chunk)


def _read_chunk(url: str, response: http.client.HTTPResponse, size: int) -> bytes:
    try:
        return response.read1(size)
    except (OSError, http.client.HTTPException) as exc:
        raise _network_problem(url, exc) from None
