"""plugindex osv-server: serve a local OSV advisory database over HTTP, for pip-audit and others.

Example: ``pip-audit -s osv --osv-url http://127.0.0.1:8790/v1/query`` against a PyPA
advisory-database checkout, with no access to api.osv.dev.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from plugindex.errors import EnvironmentProblem, UsageError
from plugindex.scanners.osvdb import OsvDatabase
from plugindex.scanners.osvserver import make_server, url


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="DIR", required=True,
                   help="the advisories: <package>/<ID>.yaml|.json files, or a checkout of the "
                        "PyPA advisory-database (its vulns/ directory is used)")
    p.add_argument("--host", default="127.0.0.1", help="the address to listen on "
                   "(default: 127.0.0.1)")
    p.add_argument("--port", metavar="N", type=int, default=8790,
                   help="the port to listen on; 0 = any free port (default: 8790)")
    p.add_argument("--verbose", action="store_true", help="log every request on stderr")


def open_database(directory: Path) -> OsvDatabase:
    """The database in ``directory``; UsageError if there is none."""
    if not directory.is_dir():
        raise UsageError(f"--db {directory}: no such directory")
    try:
        db = OsvDatabase(directory)
    except OSError as exc:
        raise UsageError(f"--db {directory}: cannot be read ({exc.strerror or exc})") from None
    if not db.packages:
        raise UsageError(f"--db {directory}: no advisories (expected <package>/<ID>.yaml files, "
                         "as in vulns/ of the PyPA advisory-database)")
    return db


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """While inside, SIGTERM stops the server as Ctrl-C does (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: not a port number (0 to 65535)")
    db = open_database(Path(args.db))
    try:
        server = make_server(db, args.host, args.port, verbose=args.verbose)
    except OSError as exc:
        raise EnvironmentProblem(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    with server, _sigterm_interrupts(), contextlib.suppress(KeyboardInterrupt):
        print(f"serving {len(db.packages)} advisory packages at {url(server)}/v1/query",
              flush=True)
        server.serve_forever()
    return 0
