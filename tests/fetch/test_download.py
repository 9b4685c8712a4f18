"""Downloading sources: a local HTTP server plays every failure; sleeps are recorded, not slept."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from plugindex.config.scan import SourceLimits
from plugindex.fetch.download import download, redirect_allowed, verify_sha256
from plugindex.fetch.problems import FetchFailed, SourceRefused

BODY = bytes(range(256)) * 40
UNSIZED = b"u" * 5000
LIMITS = SourceLimits(timeout_seconds=5.0)


class Server(ThreadingHTTPServer):
    """Joins its request threads on close; slow routes end as soon as ``release`` is set."""

    daemon_threads = False
    block_on_close = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.hits: Counter[str] = Counter()
        self.release = threading.Event()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up mid-response is expected here: stay quiet."""


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        """No request log on stderr."""

    def do_GET(self) -> None:
        self.server.hits[self.path] += 1
        route = ROUTES.get(self.path)
        try:
            if route is None:
                self.send_error(404)
            else:
                route(self)
        except OSError:
            pass  # the client went away (timeout, refusal): nothing more to say

    def body(self, data: bytes, *, status: int = 200, length: bool = True) -> None:
        self.send_response(status)
        if length:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


def flaky(h: Handler) -> None:
    if h.server.hits[h.path] == 1:
        h.send_error(500)
    else:
        h.body(BODY)


def slow_headers(h: Handler) -> None:
    h.server.release.wait(2)
    h.body(BODY)


def drip(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "100000")
    h.end_headers()
    for _ in range(40):
        h.wfile.write(b"d" * 100)
        h.wfile.flush()
        if h.server.release.wait(0.05):
            return


def truncated(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "10000")
    h.end_headers()
    h.wfile.write(b"t" * 100)  # then the handler returns and the connection closes


def huge_announced(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", str(10**9))
    h.end_headers()
    h.wfile.flush()
    h.server.release.wait(5)  # no body ever: reading it would end in a timeout


ROUTES: dict[str, Callable[[Handler], None]] = {
    "/file": lambda h: h.body(BODY),
    "/gone": lambda h: h.send_error(410),
    "/forbidden": lambda h: h.send_error(403),
    "/flaky": flaky,
    "/down": lambda h: h.send_error(503),
    "/slow-headers": slow_headers,
    "/drip": drip,
    "/huge": huge_announced,
    "/truncated": truncated,
    "/unsized": lambda h: h.body(UNSIZED, length=False),
    "/to-file": lambda h: h.redirect("/file"),
    "/to-file-url": lambda h: h.redirect("file:///etc/passwd"),
    "/to-ftp": lambda h: h.redirect("ftp://127.0.0.1/x.tar.gz"),
    # The same server under another name: a host the URL did not name.
    "/to-other-host": lambda h: h.redirect(f"http://localhost:{h.server.server_address[1]}/file"),
    "/via-same-host": lambda h: h.redirect("/to-other-host"),
    "/to-metadata": lambda h: h.redirect("http://169.254.169.254/latest/meta-data/"),
}


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    srv = Server()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield srv
    finally:
        srv.release.set()
        srv.shutdown()
        srv.server_close()
        thread.join()


@pytest.fixture
def sleeps() -> list[float]:
    return []


def fetch(url: str, dest: Path, sleeps: list[float], limits: SourceLimits = LIMITS) -> int:
    return download(url, dest, limits=limits, sleep=sleeps.append)


def failure(url: str, dest: Path, sleeps: list[float],
            limits: SourceLimits = LIMITS) -> FetchFailed | SourceRefused:
    """Download, expect a problem, check that nothing was left in dest's directory."""
    with pytest.raises((FetchFailed, SourceRefused)) as caught:
        fetch(url, dest, sleeps, limits)
    assert list(dest.parent.iterdir()) == []
    problem = caught.value
    assert isinstance(problem, FetchFailed | SourceRefused)
    return problem


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder / "source.tar.gz"


# --- success --------------------------------------------------------------------------------


def test_downloads_a_file(server: Server, dest: Path, sleeps: list[float]) -> None:
    assert fetch(server.url("/file"), dest, sleeps) == len(BODY)
    assert dest.read_bytes() == BODY
    assert list(dest.parent.iterdir()) == [dest]
    assert sleeps == []


def test_follows_a_redirect_to_http(server: Server, dest: Path, sleeps: list[float]) -> None:
    assert fetch(server.url("/to-file"), dest, sleeps) == len(BODY)
    assert dest.read_bytes() == BODY


def test_a_body_without_length_under_the_cap_is_saved(
    server: Server, dest: Path, sleeps: list[float]
) -> None:
    limits = SourceLimits(download_bytes=len(UNSIZED))
    assert fetch(server.url("/unsized"), dest, sleeps, limits) == len(UNSIZED)


def test_replaces_an_older_file(server: Server, dest: Path, sleeps: list[float]) -> None:
    dest.write_bytes(b"old")
    fetch(server.url("/file"), dest, sleeps)
    assert dest.read_bytes() == BODY


# --- permanent HTTP failures ----------------------------------------------------------------


@pytest.mark.parametrize(("path", "code"), [
    ("/missing", "http-not-found"),
    ("/gone", "http-not-found"),
    ("/forbidden", "http-error"),
])
def test_client_errors_are_permanent_and_not_retried(
    server: Server, dest: Path, sleeps: list[float], path: str, code: str
) -> None:
    problem = failure(server.url(path), dest, sleeps)
    assert isinstance(problem, FetchFailed)
    assert (problem.code, problem.transient) == (code, False)
    assert server.hits[path] == 1
    assert sleeps == []


# --- transient failures and retries ---------------------------------------------------------


def test_a_5xx_then_success_is_retried(server: Server, dest: Path, sleeps: list[float]) -> None:
    assert fetch(server.url("/flaky"), dest, sleeps) == len(BODY)
    assert server.hits["/flaky"] == 2
    assert sleeps == [0.5]


def test_always_5xx_gives_up_after_the_retries(
    server: Server, dest: Path, sleeps: list[float]
) -> None:
    problem = failure(server.url("/down"), dest, sleeps)
    assert isinstance(problem, FetchFailed)
    assert (problem.code, problem.transient) == ("http-unavailable", True)
    assert server.hits["/down"] == LIMITS.retries + 1 == 3
    assert sleeps == [0.5, 1.0]
    assert server.url("/down") in str(problem)


def test_no_retries_when_the_limit_is_zero(
    server: Server, dest: Path, sleeps: list[float]
) -> None:
    problem = failure(server.url("/down"), dest, sleeps, SourceLimits(retries=0))
    assert problem.code == "http-unavailable"
    assert server.hits["/down"] == 1
    assert sleeps == []


def test_no_response_times_out(server: Server, dest: Path, sleeps: list[float]) -> None:
    limits = SourceLimits(timeout_seconds=0.3, retries=1)
    start = time.monotonic()
    problem = failure(server.url("/slow-headers"), dest, sleeps, limits)
    assert isinstance(problem, FetchFailed)
    assert (problem.code, problem.transient) == ("timeout", True)
    assert server.hits["/slow-headers"] == 2
    assert sleeps == [0.5]
    assert time.monotonic() - start < 2


def test_a_trickling_body_hits_the_overall_deadline(
    server: Server, dest: Path, sleeps: list[float]
) -> None:
    limits = SourceLimits(timeout_seconds=0.3, retries=0)
    start = time.monotonic()
    problem = failure(server.url("/drip"), dest, sleeps, limits)
    assert (problem.code, problem.transient) == ("timeout", True)
    assert time.monotonic() - start < 1.5


def test_a_body_shorter_than_announced_is_retried_then_unreachable(
    server: Server, dest: Path, sleeps: list[float]
) -> None:
    problem = failure(server.url("/truncated"), dest, sleeps)
    assert (problem.code, problem.transient) == ("unreachable", True)
    assert server.hits["/truncated"] == 3
    assert sleeps == [0.5, 1.0]


def test_connection_refused_is_unreachable(dest: Path, sleeps: list[float]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    problem = failure(f"http://127.0.0.1:{port}/x.tar.gz", dest, sleeps)
    assert (problem.code, problem.transient) == ("unreachable", True)
    assert sleeps == [0.5, 1.0]


def test_dns_failure_is_unreachable(
    dest: Path, sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_such_host(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    problem = failure("https://plugins.invalid/x.tar.gz", dest, sleeps)
    assert (problem.code, problem.transient) == ("unreachable", True)
    assert len(sleeps) == LIMITS.retries


# --- size caps ------------------------------------------------------------------------------


def test_an_announced_size_over_the_cap_is_refused_before_the_body(
    server: Server, dest: Path, sleeps: list[float]
) -> None:
    # The server sends headers and never a body: reading it would end in "timeout".
    problem = failure(server.url("/huge"), dest, sleeps, SourceLimits(download_bytes=1000))
    assert isinstance(problem, SourceRefused)
    assert problem.code == "download-too-large"
    assert sleeps == []


def test_a_body_without_length_over_the_cap_is_refused(
    server: Server, dest: Path, sleeps: list[float]
) -> None:
    limits = SourceLimits(download_bytes=len(UNSIZED) - 1)
    problem = failure(server.url("/unsized"), dest, sleeps, limits)
    assert problem.code == "download-too-large"
    assert sleeps == []


def test_a_failed_download_keeps_the_older_file(
    server: Server, dest: Path, sleeps: list[float]
) -> None:
    dest.write_bytes(b"old")
    with pytest.raises(SourceRefused):
        fetch(server.url("/unsized"), dest, sleeps, SourceLimits(download_bytes=10))
    assert list(dest.parent.iterdir()) == [dest]
    assert dest.read_bytes() == b"old"


# --- schemes --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "ftp://127.0.0.1/x.tar.gz", "file:///etc/passwd", "data:,hello", "x.tar.gz",
    "gopher://127.0.0.1/",
])
def test_non_http_urls_are_refused(dest: Path, sleeps: list[float], url: str) -> None:
    assert failure(url, dest, sleeps).code == "url-scheme"


@pytest.mark.parametrize("path", ["/to-file-url", "/to-ftp"])
def test_redirects_to_non_http_urls_are_refused(
    server: Server, dest: Path, sleeps: list[float], path: str
) -> None:
    problem = failure(server.url(path), dest, sleeps)
    assert isinstance(problem, SourceRefused)
    assert problem.code == "url-scheme"
    assert sleeps == []


# --- redirects to other hosts ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/to-other-host", "/via-same-host", "/to-metadata"])
def test_redirects_to_another_host_are_refused(
    server: Server, dest: Path, sleeps: list[float], path: str
) -> None:
    problem = failure(server.url(path), dest, sleeps)
    assert isinstance(problem, SourceRefused)
    assert problem.code == "redirect-other-host"
    assert server.hits["/file"] == 0
    assert sleeps == []


def test_a_redirect_to_a_host_the_registry_allows_is_followed(
    server: Server, dest: Path, sleeps: list[float]
) -> None:
    size = download(server.url("/via-same-host"), dest, limits=LIMITS, sleep=sleeps.append,
                    redirect_hosts=["localhost"])
    assert (size, dest.read_bytes()) == (len(BODY), BODY)
    assert server.hits["/file"] == 1


@pytest.mark.parametrize(("target", "allowed"), [
    ("https://github.com/o/r/archive/v1.tar.gz", True),
    ("https://codeload.github.com/o/r/tar.gz/v1", True),  # a subdomain of the URL's host
    ("https://GitHub.COM./o/r", True),
    ("https://mirror.example.org/o/r.tar.gz", True),
    ("https://evilgithub.com/x", False),
    ("https://github.com.evil.example/x", False),
    ("http://169.254.169.254/latest/meta-data/", False),
    ("http://127.0.0.1/x", False),
    ("https:///nohost", False),
    ("https://[::1/x", False),  # unparseable
])
def test_which_redirect_targets_are_allowed(target: str, allowed: bool) -> None:
    assert redirect_allowed(target, frozenset({"github.com", "mirror.example.org"})) is allowed


# --- sha256 ---------------------------------------------------------------------------------


def test_sha256_match_in_any_case(tmp_path: Path) -> None:
    path = tmp_path / "a.tar.gz"
    path.write_bytes(BODY)
    digest = hashlib.sha256(BODY).hexdigest()
    verify_sha256(path, digest)
    verify_sha256(path, digest.upper())


def test_sha256_mismatch_shows_expected_actual_and_size(tmp_path: Path) -> None:
    path = tmp_path / "a.tar.gz"
    path.write_bytes(BODY)
    expected = "0" * 64
    with pytest.raises(SourceRefused) as caught:
        verify_sha256(path, expected)
    assert caught.value.code == "sha256-mismatch"
    message = str(caught.value)
    assert expected in message
    assert hashlib.sha256(BODY).hexdigest() in message
    assert str(len(BODY)) in message
    assert path.read_bytes() == BODY
