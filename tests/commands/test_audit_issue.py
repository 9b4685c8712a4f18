"""plugindex audit-issue against the local fake GitHub: one issue, created, updated, closed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugindex.cli import main
from tests.github_fake import FakeGitHub, fake_github


def _audit(tmp_path: Path, advisories: list[str], name: str = "audit.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"ok": not advisories, "versions": [], "diagnostics": [
        {"file": f"submissions/p{i}/1.0.0.yaml", "rule": "PI074", "severity": "error",
         "message": message, "line": 1, "pointer": "", "field": "", "hint": ""}
        for i, message in enumerate(advisories)] + [
        {"file": "submissions/q/1.0.0.yaml", "rule": "PI072", "severity": "warning",
         "message": "a bandit finding", "line": 1, "pointer": "", "field": "", "hint": ""}]}))
    return path


def test_one_issue_while_advisories_last(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeGitHub()
    with fake_github(fake):
        def run(advisories: list[str]) -> str:
            assert main(["audit-issue", "--result", str(_audit(tmp_path, advisories)),
                         "--repository", "owner/registry", "--api-url", fake.url]) == 0
            return capsys.readouterr().out

        assert "none" in run([])
        assert "created" in run(["jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 @someone [x](y)"])
        assert "updated" in run(["jinja2 3.1.2: GHSA-h5c8-rqwp-cp95", "requests 2.31.0: X"])
        assert len(fake.issues) == 1
        [issue] = fake.issues.values()
        assert "requests 2.31.0" in issue["body"]
        assert "a bandit finding" not in issue["body"]  # advisories only
        assert "closed" in run([])
        assert issue["state"] == "closed"
        assert "created" in run(["new: Y"])  # a later advisory opens a new issue
    assert len(fake.issues) == 2


def test_the_results_of_every_shard_make_one_issue(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeGitHub()
    with fake_github(fake):
        assert main(["audit-issue", "--repository", "owner/registry", "--api-url", fake.url,
                     "--result", str(_audit(tmp_path, ["jinja2 2.10: PYSEC-1"], "1.json")),
                     "--result", str(_audit(tmp_path, [], "2.json")),
                     "--result", str(_audit(tmp_path, ["urllib3 1.0: PYSEC-2"], "3.json"))]
                    ) == 0
    assert "(2 advisories)" in capsys.readouterr().out
    [issue] = fake.issues.values()
    shown = issue["body"].replace("\\", "")  # as Markdown renders it
    assert "PYSEC-1" in shown
    assert "PYSEC-2" in shown


def test_a_result_that_is_not_an_audit_is_refused(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "audit.json"
    path.write_text("[]")
    assert main(["audit-issue", "--result", str(path), "--repository", "o/r"]) == 2
    assert capsys.readouterr().err.startswith("plugindex: error:")
