"""A local stand-in for the few GitHub REST endpoints plugindex uses, for PyGithub's
``base_url``: it serves what a test puts in ``pulls`` and records every request."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeGitHub:
    repository: str = "owner/registry"
    # number -> (author login, [(reviewer login, state), ...] oldest first)
    pulls: dict[int, tuple[str, list[tuple[str, str]]]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    url: str = ""

    def answer(self, path: str) -> tuple[int, Any]:
        base = f"{self.url}/repos/{self.repository}"
        if path == f"/repos/{self.repository}":
            owner, name = self.repository.split("/")
            return 200, {"id": 1, "name": name, "full_name": self.repository, "url": base,
                         "owner": {"login": owner, "id": 2}}
        m = re.fullmatch(rf"/repos/{re.escape(self.repository)}/pulls/(\d+)(/reviews)?", path)
        if m and int(m.group(1)) in self.pulls:
            number = int(m.group(1))
            author, reviews = self.pulls[number]
            if m.group(2):
                return 200, [{"id": i + 1, "user": {"login": login, "id": 100 + i},
                              "state": state, "pull_request_url": f"{base}/pulls/{number}"}
                             for i, (login, state) in enumerate(reviews)]
            return 200, {"id": number, "number": number, "url": f"{base}/pulls/{number}",
                         "user": {"login": author, "id": 3}, "state": "closed",
                         "merged": True}
        return 404, {"message": "Not Found"}


@contextmanager
def fake_github(fake: FakeGitHub) -> Iterator[FakeGitHub]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            fake.calls.append(f"GET {path}")
            status, body = fake.answer(path)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
