"""plugindex review on real git repositories, one scenario each: new plugin, new version,
hijack attempt, immutable edit, yank, rename, outside files, typosquat, invalid manifest;
and the report's escaping and size limit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugindex.cli import main
from plugindex.diagnostics import Diagnostic, Severity
from plugindex.review.comment import LIMIT, MARKER, markdown, md
from plugindex.review.verdict import NEEDS_ADMIN, Review
from tests.conftest import DATA, GitRegistry
from tests.github_fake import FakeGitHub, FakePull, fake_github
from tests.reviewing import kinds, manifest, publish, result_of, rules, run_review

ADMIN = "farm-registry-admin"


def test_a_new_version_by_its_maintainer_is_ready(reg: GitRegistry,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    reg.write("submissions/alpha/1.1.0.yaml", manifest("alpha", "1.1.0"))
    code, result = run_review(reg, "alice", capsys)
    assert (code, result["verdict"], kinds(result)) == (0, "ready", ["new-version"])
    assert result["labels"] == ["new-version", "ready-for-review"]


def test_the_same_version_by_another_login_needs_changes(
        reg: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    reg.write("submissions/alpha/1.1.0.yaml", manifest("alpha", "1.1.0"))
    code, result = run_review(reg, "mallory", capsys)
    assert (code, result["verdict"], rules(result)) == (1, "needs changes", ["PI080"])


def test_a_hijack_that_lists_the_outsider_is_still_refused(
        reg: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    reg.write("submissions/alpha/2.0.0.yaml", manifest("alpha", "2.0.0", login="mallory"))
    code, result = run_review(reg, "mallory", capsys)
    assert (code, rules(result)) == (1, ["PI080"])


def test_a_new_plugin_must_list_its_author(reg: GitRegistry,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    reg.add_plugin("omega-tools", "1.0.0", manifest("omega-tools", "1.0.0", login="bob"))
    code, result = run_review(reg, "bob", capsys)
    assert (code, result["verdict"], kinds(result)) == (0, "ready", ["new-plugin"])
    assert "new-plugin" in result["labels"]  # type: ignore[operator]
    code, result = run_review(reg, "carol", capsys)
    assert (code, rules(result)) == (1, ["PI081"])


def test_a_published_manifest_is_immutable_but_may_be_yanked(
        reg: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    reg.write("submissions/alpha/1.0.0.yaml", manifest("alpha", "1.0.0").replace(
        "used by the tests", "changed after publishing"))
    code, result = run_review(reg, "alice", capsys)
    assert (code, kinds(result), rules(result)) == (1, ["edited"], ["PI082"])
    reg.git("checkout", "-q", "main", "--", "submissions/alpha/1.0.0.yaml")
    reg.write("submissions/alpha/1.0.0.yaml", manifest("alpha", "1.0.0",
                                                       extra='yanked: "broken build"\n'))
    code, result = run_review(reg, "alice", capsys)
    assert (code, kinds(result), rules(result)) == (0, ["yank"], [])


def test_a_rename_needs_an_admin(reg: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    reg.git("mv", "submissions/alpha", "submissions/alpha-renamed")
    reg.write("submissions/alpha-renamed/1.0.0.yaml",
              manifest("alpha-renamed", "1.0.0"))
    _, result = run_review(reg, "alice", capsys)
    assert result["verdict"] == "needs admin"
    assert sorted(kinds(result)) == ["new-plugin", "removed"]
    assert "PI083" in rules(result)
    _code, result = run_review(reg, ADMIN, capsys)
    assert "PI083" in rules(result)  # listed, but an admin may
    assert "PI081" in rules(result)  # the admin is not among the renamed plugin's maintainers


def test_files_outside_submissions_need_an_admin(reg: GitRegistry,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    reg.write("tools/evil.py", "import os\n")
    code, result = run_review(reg, "alice", capsys)
    assert (code, result["verdict"], rules(result)) == (1, "needs admin", ["PI084"])
    assert result["outside"] == ["tools/evil.py"]
    code, result = run_review(reg, ADMIN, capsys)
    assert (code, result["verdict"]) == (0, "ready")


def test_a_typosquat_needs_an_admin(reg: GitRegistry,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    reg.add_plugin("a1pha", "1.0.0", manifest("a1pha", "1.0.0", login="mallory"))
    code, result = run_review(reg, "mallory", capsys)
    assert (code, result["verdict"], rules(result)) == (1, "needs admin", ["PI085"])
    found = result["lookalikes"]["a1pha"]  # type: ignore[index]
    assert [n["name"] for n in found["neighbours"]] == ["alpha"]


def test_an_invalid_manifest_needs_changes(reg: GitRegistry,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    reg.write("submissions/alpha/1.2.0.yaml", manifest("alpha", "1.2.0") + "unknown: 1\n")
    _code, result = run_review(reg, "alice", capsys)
    assert result["verdict"] == "needs changes"
    assert rules(result) != []
    assert all(r.startswith("PI0") for r in rules(result))


def test_markdown_report_has_the_marker_and_escapes(reg: GitRegistry,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    reg.write("submissions/alpha/1.1.0.yaml", manifest("alpha", "1.1.0"))
    reg.commit("the pull request")
    out = reg.root / "report.md"
    assert main(["review", "--base", "main", "--author", "alice", "--format", "json",
                 "--output", str(reg.root / "report.json"), "--markdown", str(out),
                 "--root", str(reg.root)]) == 0
    assert json.loads((reg.root / "report.json").read_bytes())["verdict"] == "ready"
    text = out.read_text(encoding="utf-8")
    assert text.startswith(MARKER)
    assert "plugindex review: ready" in text


def test_nothing_from_the_pull_request_becomes_markup() -> None:
    evil = "[click](https://evil.example) ![x](y) @everyone <b>x</b> `code` | cell"
    escaped = md(evil)
    assert "](" not in escaped
    assert "<b>" not in escaped
    assert "@everyone" not in escaped
    assert "|" not in escaped.replace("\\|", "")
    problem = Diagnostic("submissions/a/1.0.0.yaml", 1, "PI080", "", evil * 3000, "hint",
                         Severity.ERROR)
    text = markdown(Review("mallory", NEEDS_ADMIN, (), (), (problem,)))
    assert len(text) <= LIMIT
    assert "full report" in text


def test_review_needs_an_author(reg: GitRegistry, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_ACTOR", raising=False)
    assert main(["review", "--base", "main", "--root", str(reg.root)]) == 2
    assert capsys.readouterr().err.startswith("plugindex: error:")


def test_publish_review_posts_one_comment_labels_and_status(
        reg: GitRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg.write("submissions/alpha/1.1.0.yaml", manifest("alpha", "1.1.0"))
    result = result_of(reg, tmp_path, "alice")
    head = reg.git("rev-parse", "HEAD").strip()
    fake = FakeGitHub(pulls={5: FakePull("alice", files=["submissions/alpha/1.1.0.yaml"],
                                         head_sha=head, labels={"needs-admin", "docs"})})
    with fake_github(fake):
        assert publish(reg, fake, result) == 0
        assert publish(reg, fake, result) == 0  # a later run updates the comment
    assert len(fake.comments) == 1
    body = fake.comments[1]["body"]
    assert body.startswith(MARKER)
    assert "plugindex review: ready" in body
    assert fake.pulls[5].labels == {"docs", "new-version", "ready-for-review"}
    assert [(s["sha"], s["state"], s["context"]) for s in fake.statuses] == [
        (head, "success", "plugindex/review")] * 2
    assert any(c.startswith("PATCH ") for c in fake.calls)


def test_publish_review_decides_from_the_api_and_git_not_the_result(
        reg: GitRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The result was made for alice, but GitHub says mallory opened the pull request: the
    trusted review is mallory's (not a maintainer), and the result disagreed."""
    reg.write("submissions/alpha/1.1.0.yaml", manifest("alpha", "1.1.0"))
    result = result_of(reg, tmp_path, "alice")
    head = reg.git("rev-parse", "HEAD").strip()
    fake = FakeGitHub(pulls={5: FakePull("mallory", files=["submissions/alpha/1.1.0.yaml"],
                                         head_sha=head)})
    with fake_github(fake):
        assert publish(reg, fake, result) == 0
    [status] = fake.statuses
    assert status["state"] == "failure"
    body = fake.comments[1]["body"]
    assert "`PI080`" in body
    assert "`PI088`" in body


@pytest.mark.parametrize("content", [b"not json", b'{"schema_version": 2}',
                                     b"{}" + b" " * 2_000_000, None])
def test_publish_review_fails_on_a_malformed_or_missing_result(
        reg: GitRegistry, tmp_path: Path, content: bytes | None) -> None:
    reg.write("submissions/alpha/1.1.0.yaml", manifest("alpha", "1.1.0"))
    reg.commit("the pull request")
    path = tmp_path / "review.json"
    if content is not None:
        path.write_bytes(content)
    head = reg.git("rev-parse", "HEAD").strip()
    fake = FakeGitHub(pulls={5: FakePull("alice", files=["submissions/alpha/1.1.0.yaml"],
                                         head_sha=head)})
    with fake_github(fake):
        assert publish(reg, fake, path if content is not None else None) == 0
    assert [s["state"] for s in fake.statuses] == ["failure"]
    assert "`PI088`" in fake.comments[1]["body"]


def test_publish_review_without_a_pull_request_for_the_commit_is_exit_2(
        reg: GitRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg.write("submissions/alpha/1.1.0.yaml", manifest("alpha", "1.1.0"))
    result = result_of(reg, tmp_path, "alice")
    fake = FakeGitHub(pulls={5: FakePull("alice", head_sha="b" * 40)})
    with fake_github(fake):
        assert publish(reg, fake, result) == 2
    assert (fake.comments, fake.statuses) == ({}, [])
    assert capsys.readouterr().err.startswith("plugindex: error:")


GOLDEN = DATA / "review" / "golden"


@pytest.mark.parametrize(("name", "author", "files"), [
    ("new-version", "alice", {"submissions/alpha/1.1.0.yaml": manifest("alpha", "1.1.0")}),
    ("hijack", "mallory", {"submissions/alpha/2.0.0.yaml": manifest("alpha", "2.0.0",
                                                                      login="mallory")}),
    ("typosquat", "mallory", {"submissions/a1pha/1.0.0.yaml": manifest("a1pha", "1.0.0",
                                                                        login="mallory"),
                              "plugins/a1pha/README.md": "# a1pha\n"}),
])
def test_golden_reports(reg: GitRegistry, name: str, author: str, files: dict[str, str],
                        capsys: pytest.CaptureFixture[str]) -> None:
    """The whole comment for three pull requests (regenerate a file by deleting it)."""
    for path, text in files.items():
        reg.write(path, text)
    reg.commit("the pull request")
    capsys.readouterr()
    main(["review", "--base", "main", "--author", author, "--root", str(reg.root)])
    report = capsys.readouterr().out
    golden = GOLDEN / f"{name}.md"
    if not golden.exists():
        golden.write_text(report, encoding="utf-8")
    assert report == golden.read_text(encoding="utf-8")


def test_review_scans_what_changed(reg: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    """With --scan, the new version's source is scanned (offline: path sources are read from
    git; the dependency audit is a skip) and a blocking finding blocks the pull request."""
    reg.write("plugins/alpha/alpha.py", "import subprocess\n\n\ndef run(cmd: str) -> None:\n"
              "    subprocess.Popen(cmd, shell=True)\n")
    reg.write("submissions/alpha/1.1.0.yaml", manifest("alpha", "1.1.0",
                                                       extra="permissions: [subprocess]\n"))
    reg.commit("the pull request")
    capsys.readouterr()
    code = main(["review", "--base", "main", "--author", "alice", "--scan", "--offline",
                 "--format", "json", "--root", str(reg.root)])
    result = json.loads(capsys.readouterr().out)
    found = {p["rule"]: p["severity"] for p in result["measured"]}  # type: ignore[index]
    assert found["PI072"] == "error"  # B602 high/high: the registry's policy blocks it
    assert found["PI076"] == "warning"  # offline: the audit is a skip, never clean
    assert (code, result["verdict"]) == (1, "needs changes")
    assert "security-blocked" in result["labels"]  # type: ignore[operator]
    capsys.readouterr()
    main(["review", "--base", "main", "--author", "alice", "--scan", "--offline",
          "--root", str(reg.root)])
    comment = capsys.readouterr().out
    # What blocks leads, in view; the measured warning folds away below it.
    blocking = comment.index("### Blocking (1)")
    [line] = [ln for ln in comment.splitlines() if ln.startswith("- `PI072`")]
    assert "(error, measured)" in line
    assert blocking < comment.index(line) < comment.index("<summary>Other scan and build "
                                                          "findings (1, measured")
    assert "### Problems" not in comment


def test_review_scores_the_changed_versions(reg: GitRegistry,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    reg.write("submissions/alpha/1.1.0.yaml", manifest("alpha", "1.1.0"))
    reg.commit("the pull request")
    before = (reg.git("status", "--porcelain", "--ignored"), reg.index_bytes())
    capsys.readouterr()
    assert main(["review", "--base", "main", "--author", "alice", "--score", "--format",
                 "json", "--root", str(reg.root)]) == 0
    out = capsys.readouterr().out
    result = json.loads(out[out.index("{"):])
    [change] = result["changes"]
    # The review built in a scratch clone: this working tree and its index untouched.
    assert (reg.git("status", "--porcelain", "--ignored"), reg.index_bytes()) == before
    assert main(["build", "--root", str(reg.root)]) == 0  # the same build, here
    detail = json.loads((reg.root / "index/v1/plugins/alpha.json").read_bytes())
    published = next(v for v in detail["versions"] if v["version"] == "1.1.0")
    assert change["score"] == {"total": published["score"]["total"],
                               "tier": published["score"]["tier"]}
