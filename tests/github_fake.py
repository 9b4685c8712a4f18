"""A local stand-in for the few GitHub REST endpoints plugindex uses, for PyGithub's
``base_url``: pull requests with their files and reviews, issue comments, labels and commit
statuses. It keeps that state, answers what a test put in, and records every request."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote


@dataclass
class FakePull:
    author: str
    # (login, state) of the head commit, or (login, state, commit sha[, body[,
    # author_association]]); oldest first (a collaborator's unless told)
    reviews: list[tuple[str, ...]] = field(default_factory=list)
    # (login, body[, author_association[, updated_at]]) of people's comments, oldest first
    # (listed after the bot's own comments); a collaborator's unless told
    comments: list[tuple[str, ...]] = field(default_factory=list)
    review_comments: list[tuple[str, ...]] = field(default_factory=list)  # likewise, inline
    merged_at: str | None = None  # e.g. "2026-01-02T12:00:00Z"
    files: list[str] = field(default_factory=list)
    base_ref: str = "main"
    head_sha: str = "0" * 40
    labels: set[str] = field(default_factory=set)


@dataclass
class FakeGitHub:
    repository: str = "owner/registry"
    pulls: dict[int, FakePull] = field(default_factory=dict)
    comments: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> comment
    statuses: list[dict[str, Any]] = field(default_factory=list)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)  # number -> issue
    opened: list[dict[str, Any]] = field(default_factory=list)  # pull requests created
    calls: list[str] = field(default_factory=list)
    url: str = ""
    # Injected failures: "METHOD path-regex" -> the status to answer instead (e.g. 500).
    failing: dict[str, int] = field(default_factory=dict)

    def repo_url(self) -> str:
        return f"{self.url}/repos/{self.repository}"

    def _comment(self, cid: int) -> dict[str, Any]:
        c = self.comments[cid]
        return {"id": cid, "body": c["body"], "user": {"login": "plugindex-bot", "id": 9},
                "created_at": f"2026-01-01T00:{cid % 60:02d}:00Z", "author_association": "NONE",
                "updated_at": f"2026-01-01T00:{cid % 60:02d}:00Z",
                "url": f"{self.repo_url()}/issues/comments/{cid}",
                "issue_url": f"{self.repo_url()}/issues/{c['issue']}"}

    def _issue(self, number: int) -> dict[str, Any]:
        issue = self.issues[number]
        return {"id": number, "number": number, "title": issue["title"], "body": issue["body"],
                "state": issue["state"], "url": f"{self.repo_url()}/issues/{number}",
                "user": {"login": "plugindex-bot", "id": 9}}

    def _pull(self, number: int) -> dict[str, Any]:
        pull, base = self.pulls[number], self.repo_url()
        return {"id": number, "number": number, "url": f"{base}/pulls/{number}",
                "issue_url": f"{base}/issues/{number}",
                "user": {"login": pull.author, "id": 3}, "state": "open",
                "merged_at": pull.merged_at,
                "base": {"ref": pull.base_ref, "sha": "1" * 40},
                "head": {"ref": "change", "sha": pull.head_sha}}

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        for spec, status in self.failing.items():
            want, pattern = spec.split(" ", 1)
            if want == method and re.fullmatch(pattern, path):
                return status, {"message": f"injected failure {status}"}
        repo, base = f"/repos/{self.repository}", self.repo_url()
        if path == f"{repo}/pulls" and method == "GET":  # the open ones (all are open here)
            return 200, [self._pull(n) for n in sorted(self.pulls)]
        if path == f"{repo}/pulls" and method == "POST":
            self.opened.append(body)
            number = 500 + len(self.opened)
            return 201, {"id": number, "number": number, "url": f"{base}/pulls/{number}",
                         "title": body["title"], "state": "open",
                         "user": {"login": "plugindex-bot", "id": 9}}
        if path == f"{repo}/issues" and method == "GET":
            return 200, [self._issue(n) for n in sorted(self.issues)
                         if self.issues[n]["state"] == "open"]
        if path == f"{repo}/issues" and method == "POST":
            number = 1000 + len(self.issues)
            self.issues[number] = {"title": body["title"], "body": body.get("body"),
                                   "state": "open"}
            return 201, self._issue(number)
        m = re.fullmatch(rf"{re.escape(repo)}/issues/(\d+)", path)
        if m and method == "GET" and int(m.group(1)) in self.issues:
            return 200, self._issue(int(m.group(1)))
        if m and method == "PATCH" and int(m.group(1)) in self.issues:
            self.issues[int(m.group(1))].update(body)
            return 200, self._issue(int(m.group(1)))
        if method == "GET" and path == repo:
            owner, name = self.repository.split("/")
            return 200, {"id": 1, "name": name, "full_name": self.repository, "url": base,
                         "owner": {"login": owner, "id": 2}}
        m = re.fullmatch(rf"{re.escape(repo)}/(pulls|issues)/(\d+)(/[a-z]+)?(/.+)?", path)
        if m and int(m.group(2)) in self.pulls:
            number, pull = int(m.group(2)), self.pulls[int(m.group(2))]
            what, rest = m.group(3), m.group(4)
            if what is None and method == "GET":
                return 200, self._pull(number)
            if what == "/reviews":
                # (login, state) reviews the head commit; (login, state, sha) another one
                return 200, [{"id": i + 1, "user": {"login": r[0], "id": 100 + i},
                              "state": r[1], "commit_id": r[2] if len(r) > 2 else pull.head_sha,
                              "body": r[3] if len(r) > 3 else "",
                              "author_association": r[4] if len(r) > 4 else "COLLABORATOR",
                              "submitted_at": f"2026-01-02T00:{i % 60:02d}:00Z"}
                             for i, r in enumerate(pull.reviews)]
            if what == "/files":
                return 200, [{"sha": "2" * 40, "filename": f, "status": "added"}
                             for f in pull.files]
            if what == "/comments" and method == "GET" and m.group(1) == "pulls":
                return 200, [
                    {"id": 20_000 + i, "body": c[1], "user": {"login": c[0], "id": 300 + i},
                     "author_association": c[2] if len(c) > 2 else "COLLABORATOR",
                     "created_at": f"2026-01-04T00:{i % 60:02d}:00Z",
                     "updated_at": c[3] if len(c) > 3 else f"2026-01-04T00:{i % 60:02d}:00Z",
                     "url": f"{base}/pulls/comments/{20_000 + i}"}
                    for i, c in enumerate(pull.review_comments)]
            if what == "/comments" and method == "GET":
                return 200, [self._comment(c) for c in sorted(self.comments)
                             if self.comments[c]["issue"] == number] + [
                    {"id": 10_000 + i, "body": c[1], "user": {"login": c[0], "id": 200 + i},
                     "author_association": c[2] if len(c) > 2 else "COLLABORATOR",
                     "created_at": f"2026-01-03T00:{i % 60:02d}:00Z",
                     "updated_at": c[3] if len(c) > 3 else f"2026-01-03T00:{i % 60:02d}:00Z",
                     "url": f"{base}/issues/comments/{10_000 + i}",
                     "issue_url": f"{base}/issues/{number}"}
                    for i, c in enumerate(pull.comments)]
            if what == "/comments" and method == "POST":
                cid = len(self.comments) + 1
                self.comments[cid] = {"issue": number, "body": body["body"]}
                return 201, self._comment(cid)
            if what == "/labels" and method == "GET":
                return 200, [{"name": n, "url": f"{base}/labels/{n}"} for n in sorted(pull.labels)]
            if what == "/labels" and method == "POST":
                pull.labels |= set(body if isinstance(body, list) else body.get("labels", []))
                return 200, [{"name": n} for n in sorted(pull.labels)]
            if what == "/labels" and method == "DELETE" and rest:
                pull.labels.discard(unquote(rest[1:]))
                return 200, [{"name": n} for n in sorted(pull.labels)]
        m = re.fullmatch(rf"{re.escape(repo)}/issues/comments/(\d+)", path)
        if m and method == "PATCH" and int(m.group(1)) in self.comments:
            self.comments[int(m.group(1))]["body"] = body["body"]
            return 200, self._comment(int(m.group(1)))
        m = re.fullmatch(rf"{re.escape(repo)}/commits/([0-9a-f]{{40}})", path)
        if m and method == "GET":
            return 200, {"sha": m.group(1), "url": f"{base}/commits/{m.group(1)}"}
        m = re.fullmatch(rf"{re.escape(repo)}/statuses/([0-9a-f]{{40}})", path)
        if m and method == "POST":
            self.statuses.append({"sha": m.group(1), **body})
            return 201, {"id": len(self.statuses), "state": body["state"],
                         "context": body.get("context"), "url": f"{base}/statuses/x"}
        return 404, {"message": "Not Found"}


@contextmanager
def fake_github(fake: FakeGitHub) -> Iterator[FakeGitHub]:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            path = self.path.split("?", 1)[0]
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            fake.calls.append(f"{self.command} {path}")
            status, answer = fake.answer(self.command, path, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = _handle

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
