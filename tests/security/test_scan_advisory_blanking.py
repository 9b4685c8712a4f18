"""Attack: the advisory service (a compromised mirror, a broken proxy, an outage answering 200)
answers ``{}`` to every query, and ``plugindex audit --refresh`` would then record "no known
advisory" for versions that have one: the audit workflow commits that and closes the issue.

Required: an advisory a new answer drops is confirmed through its own OSV record: still
published and affecting the version -> the refresh is refused (the previous record is kept, the
refusal shown as an audit skip); withdrawn or gone (404) -> the drop is accepted."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from plugindex.cli import main
from plugindex.scanners.osvdb import OsvDatabase
from plugindex.scanners.osvserver import OsvServer, url
from tests.conftest import GitRegistry
from tests.scan.test_scanner import (
    JINJA2_ADVISORY,
    add_source_plugin,
    advisory_db,
    items,
    rules,
    scan_json,
    serving,
)

WITHDRAWN = JINJA2_ADVISORY + 'withdrawn: "2024-05-01T00:00:00Z"\n'


class BlankServer(OsvServer):
    """Answers every query with no advisory (``{}``); serves advisory records as they are."""

    def query(self, query: object) -> list[dict[str, Any]]:
        return []


@contextmanager
def blank(db_dir: Path) -> Iterator[str]:
    server = BlankServer(OsvDatabase(db_dir), ("127.0.0.1", 0), False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{url(server)}/v1/query"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def audit_json(reg: GitRegistry, capsys: pytest.CaptureFixture[str], osv_url: str
               ) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["audit", "--root", str(reg.root), "--osv-url", osv_url, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def audited(git_registry: GitRegistry, tmp_path: Path,
            capsys: pytest.CaptureFixture[str]) -> GitRegistry:
    """A published plugin whose audit record lists the jinja2 2.10 advisory."""
    add_source_plugin(git_registry, "templ", {"templ.py": "X = 1\n"},
                      'requires:\n  packages: ["jinja2==2.10"]\n')
    git_registry.commit("templ")
    with serving(advisory_db(tmp_path / "osv", {"jinja2/PYSEC-2019-217": JINJA2_ADVISORY})
                 ) as endpoint:
        code, report = scan_json(git_registry, capsys, "--osv-url", endpoint)
    assert code == 1
    assert [i["id"] for i in items(report, "templ") if i["kind"] == "advisory"] == [
        "PYSEC-2019-217"]
    git_registry.commit("scan records")
    return git_registry


def audit_records(reg: GitRegistry) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (reg.root / "index/cache/templ").glob("audit-*")}


def test_an_empty_answer_does_not_clear_a_standing_advisory(
        audited: GitRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = audit_records(audited)
    db = advisory_db(tmp_path / "still", {"jinja2/PYSEC-2019-217": JINJA2_ADVISORY})
    with blank(db) as endpoint:
        code, report = audit_json(audited, capsys, endpoint)
    assert code == 1
    found = {(i["kind"], i["id"]) for i in items(report, "templ")}
    assert {("advisory", "PYSEC-2019-217"), ("audit-skipped", "audit-refresh")} <= found
    assert {"PI074", "PI076"} <= rules(report)
    assert report["versions"][0]["verdict"] == "blocked"
    assert audit_records(audited) == before  # the previous answer is kept, byte for byte


@pytest.mark.parametrize("case", ["withdrawn", "gone"])
def test_a_withdrawn_or_deleted_advisory_may_be_dropped(
        audited: GitRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        case: str) -> None:
    before = audit_records(audited)
    db = advisory_db(tmp_path / case,
                     {"jinja2/PYSEC-2019-217": WITHDRAWN} if case == "withdrawn" else {})
    with blank(db) as endpoint:
        code, report = audit_json(audited, capsys, endpoint)
    assert code == 0
    assert [i for i in items(report, "templ")
            if i["kind"] in ("advisory", "audit-skipped")] == []
    assert audit_records(audited) != before
