"""The review comment leads with what blocks: one golden comment per promise (regenerate a
golden by deleting it), each scenario on a real git registry.

1. errors first, then warnings, each with its rule id; a bandit finding names its test id and
   the exact override an admin would add;
2. the score of a changed version uses the scan made in the same run;
3. a version whose source could not be fetched is never ready: "incomplete", and why;
4. an edited or yanked manifest shows what changed, field by field;
5. possible duplicates only above the stated similarity, the same on every run;
6. an admin's approval of the head commit clears "needs admin" (CONTRIBUTING.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from plugindex.cli import main
from plugindex.diagnostics import Diagnostic, Severity
from plugindex.review.verdict import INCOMPLETE, ReviewInputs, review
from plugindex.scan.scanner import OFFLINE_HINT
from plugindex.search.lookalikes import DUPLICATE_SIMILARITY
from tests.conftest import DATA, GitRegistry
from tests.github_fake import FakeGitHub, FakePull, fake_github
from tests.reviewing import manifest, publish, result_of

GOLDEN = DATA / "review" / "golden"
ADMIN = "farm-registry-admin"
SHELL = ("import subprocess\n\n\ndef run(cmd: str) -> None:\n"
         "    subprocess.Popen(cmd, shell=True)\n")


def comment(reg: GitRegistry, capsys: pytest.CaptureFixture[str], author: str,
            *options: str) -> str:
    reg.commit("the pull request")
    capsys.readouterr()
    main(["review", "--base", "main", "--author", author, *options, "--root", str(reg.root)])
    return capsys.readouterr().out


def result(reg: GitRegistry, capsys: pytest.CaptureFixture[str], author: str,
           *options: str) -> dict[str, object]:
    capsys.readouterr()
    main(["review", "--base", "main", "--author", author, *options, "--format", "json",
          "--root", str(reg.root)])
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


def golden(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.md"
    if not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def sections(text: str) -> list[str]:
    return re.findall(r"^### (.+?)(?: \(\d+\))?$", text, flags=re.MULTILINE)


def test_errors_lead_and_a_bandit_finding_names_its_override(
        reg: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    reg.write("plugins/alpha/alpha.py", SHELL)
    reg.write("submissions/alpha/1.1.0.yaml", manifest(
        "alpha", "1.1.0", extra="permissions: [subprocess]\n"))
    text = comment(reg, capsys, "alice", "--scan", "--offline")
    golden("blocked-code", text)
    assert sections(text)[0] == "Blocking"
    [line] = [ln for ln in text.splitlines() if ln.startswith("- `PI072`")]
    assert "B602" in line  # the bandit test id
    assert "scan" in line
    assert "overrides" in line  # the exact override, in the hint
    assert text.index("### Blocking") < text.index("<summary>Other scan")


def test_the_score_uses_the_scan_of_the_same_run(
        reg: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    reg.write("submissions/alpha/1.1.0.yaml", manifest("alpha", "1.1.0"))
    text = comment(reg, capsys, "alice", "--scan", "--offline", "--score")
    golden("scored-with-scan", text)
    scanned = result(reg, capsys, "alice", "--scan", "--offline", "--score")
    unscanned = result(reg, capsys, "alice", "--score")
    [with_scan] = scanned["changes"]  # type: ignore[misc]
    [without] = unscanned["changes"]  # type: ignore[misc]
    assert with_scan["score"]["total"] > without["score"]["total"]
    # the same score a build gives once the scan's record is committed
    assert reg.git("status", "--porcelain") == ""  # the review wrote nothing here
    assert main(["scan", "alpha@1.1.0", "--offline", "--root", str(reg.root)]) in (0, 1)
    reg.commit("records")
    assert main(["build", "--root", str(reg.root)]) == 0
    detail = json.loads((reg.root / "index/v1/plugins/alpha.json").read_bytes())
    built = next(v for v in detail["versions"] if v["version"] == "1.1.0")
    assert with_scan["score"]["total"] == built["score"]["total"]


def test_an_unfetched_source_is_incomplete_never_ready(
        reg: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    text = manifest("alpha", "1.1.0").replace(
        "source:\n  path: plugins/alpha\n",
        "source:\n  git: https://github.com/farm-plugins/alpha\n"
        "  commit: 0123456789abcdef0123456789abcdef01234567\n")
    reg.write("submissions/alpha/1.1.0.yaml", text)
    out = comment(reg, capsys, "alice", "--scan", "--offline")
    golden("unfetched-source", out)
    assert "incomplete" in out.splitlines()[1]
    assert sections(out)[0] == "Not scanned: the review is incomplete"
    data = result(reg, capsys, "alice", "--scan", "--offline")
    assert data["verdict"] == "incomplete"
    # why it is not scanned, and what to do: never "commit index/cache" (that needs an admin)
    assert [(d["rule"], d["hint"]) for d in data["measured"]  # type: ignore[attr-defined]
            if d["rule"] == "PI077"] == [("PI077", OFFLINE_HINT)]
    assert "scan-incomplete" in data["labels"]  # type: ignore[operator]
    assert "ready-for-review" not in data["labels"]  # type: ignore[operator]


@pytest.mark.parametrize(("name", "change"), [
    ("yank-diff", lambda t: t + 'yanked: "breaks on FARM 2.1"\n'),
    ("edit-diff", lambda t: t.replace("used by the tests", "changed after publishing")),
])
def test_a_changed_manifest_shows_its_fields(reg: GitRegistry,
                                             capsys: pytest.CaptureFixture[str], name: str,
                                             change: object) -> None:
    path = reg.root / "submissions/alpha/1.0.0.yaml"
    path.write_text(change(path.read_text(encoding="utf-8")),  # type: ignore[operator]
                    encoding="utf-8")
    out = comment(reg, capsys, "alice")
    golden(name, out)
    table = out[out.index("| field | before | after |"):]
    assert ("| /yanked | (absent) | breaks on FARM 2.1 |" in table) == (name == "yank-diff")
    assert ("changed after publishing" in table) == (name == "edit-diff")


def test_duplicates_are_above_the_stated_similarity_and_stable(
        reg: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    reg.add_plugin("alpha-fixtures", "1.0.0", manifest("alpha-fixtures", "1.0.0",
                                                       login="bob"))
    first = comment(reg, capsys, "bob")
    golden("duplicate", first)
    data = result(reg, capsys, "bob")
    found = data["lookalikes"]["alpha-fixtures"]  # type: ignore[index]
    assert found["duplicates"]
    assert all(d["score"] >= DUPLICATE_SIMILARITY for d in found["duplicates"])
    # the next run, after an unrelated plugin merged on main, says the same
    reg.git("checkout", "-q", "main")
    reg.add_plugin("zeta-charts", "1.0.0", manifest("zeta-charts", "1.0.0").replace(
        "category: testing", "category: monitoring").replace(
        "A plugin used by the tests of plugindex", "Latency histograms as SVG charts"))
    reg.commit("zeta-charts 1.0.0")
    assert main(["build", "--root", str(reg.root)]) == 0
    reg.commit("index")
    reg.git("checkout", "-q", "change")
    reg.git("rebase", "-q", "main")
    again = result(reg, capsys, "bob")
    assert again["lookalikes"] == data["lookalikes"]


def test_a_new_plugins_result_with_lookalikes_is_accepted_by_the_trusted_side(
        reg: GitRegistry, tmp_path: Path) -> None:
    """The untrusted run's JSON (with its duplicates) passes the trusted side's schema: no
    PI088, and the verdict is the trusted one."""
    reg.add_plugin("alpha-fixtures", "1.0.0", manifest("alpha-fixtures", "1.0.0",
                                                       login="bob"))
    path = result_of(reg, tmp_path, "bob")
    assert json.loads(path.read_bytes())["lookalikes"]["alpha-fixtures"]["duplicates"]
    head = reg.git("rev-parse", "HEAD").strip()
    fake = FakeGitHub(pulls={5: FakePull("bob", head_sha=head, files=[
        "submissions/alpha-fixtures/1.0.0.yaml", "plugins/alpha-fixtures/README.md",
        "plugins/alpha-fixtures/alpha_fixtures.py"])})
    with fake_github(fake):
        assert publish(reg, fake, path) == 0
    assert "PI088" not in fake.comments[1]["body"]
    assert [s["state"] for s in fake.statuses] == ["success"]


def test_an_admins_approval_of_the_head_clears_needs_admin(
        reg: GitRegistry, tmp_path: Path) -> None:
    reg.write("submissions/alpha/1.1.0.yaml", manifest("alpha", "1.1.0"))
    reg.write("docs/notes.md", "outside submissions/\n")
    path = result_of(reg, tmp_path, "alice")
    head = reg.git("rev-parse", "HEAD").strip()
    files = ["submissions/alpha/1.1.0.yaml", "docs/notes.md"]
    # an approval by a non-admin, or of an earlier commit, changes nothing
    for reviews in ([("bob", "APPROVED")], [(ADMIN, "APPROVED", "e" * 40)]):
        fake = FakeGitHub(pulls={5: FakePull("alice", files=files, head_sha=head,
                                             reviews=list(reviews))})
        with fake_github(fake):
            assert publish(reg, fake, path) == 0
        assert [s["state"] for s in fake.statuses] == ["pending"]
        assert "needs-admin" in fake.pulls[5].labels
    fake = FakeGitHub(pulls={5: FakePull("alice", files=files, head_sha=head,
                                         reviews=[(ADMIN, "APPROVED")])})
    with fake_github(fake):
        assert publish(reg, fake, path) == 0
    assert [s["state"] for s in fake.statuses] == ["success"]
    assert "needs-admin" not in fake.pulls[5].labels
    golden("admin-approved", fake.comments[1]["body"] + "\n")


def test_an_admins_approval_never_clears_an_incomplete_scan(reg: GitRegistry) -> None:
    unscanned = Diagnostic("submissions/alpha/1.1.0.yaml", 1, "PI071", "/source",
                           "not fetched", "retry", Severity.WARNING)
    inputs = ReviewInputs(author="alice", changes=(), before={}, after={}, owners={},
                          admins=(ADMIN,))
    assert review(inputs, [unscanned], approvals=[ADMIN]).verdict == INCOMPLETE
