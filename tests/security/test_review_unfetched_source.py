"""Attack: a source that cannot be fetched at review time (an archive uploaded only after the
review, a repository that is not public yet) was only a warning, and the review said "ready":
the version was merged unscanned. Now the review is "incomplete": never ready, and no admin
approval clears it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugindex.cli import main
from tests.conftest import GitRegistry
from tests.reviewing import manifest
from tests.scan.test_scanner import mirror_to


def test_a_source_that_cannot_be_fetched_is_never_ready(
        reg: GitRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg.git("checkout", "-q", "main")
    mirror_to(reg, f"file://{tmp_path}/nowhere/")  # github.com, as this run reaches it
    reg.commit("scan through a mirror")
    reg.git("checkout", "-q", "-B", "change")
    reg.write("submissions/alpha/1.1.0.yaml", manifest("alpha", "1.1.0").replace(
        "  path: plugins/alpha\n",
        "  git: https://github.com/acme/alpha\n  commit: " + "a" * 40 + "\n"))
    reg.commit("alpha 1.1.0 from a repository nobody can fetch yet")
    capsys.readouterr()
    code = main(["review", "--base", "main", "--author", "alice", "--scan", "--format",
                 "json", "--root", str(reg.root)])
    result = json.loads(capsys.readouterr().out)
    assert (code, result["verdict"]) == (1, "incomplete")
    assert "PI071" in {p["rule"] for p in result["measured"]}
    assert "ready-for-review" not in result["labels"]
    assert "scan-incomplete" in result["labels"]
