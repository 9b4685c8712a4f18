"""The registry's whole life, run by a real GitHub Actions runner (nektos/act, host mode) over
the repository's own workflow files: a pull request is reviewed (pr -> pr-report), pushed
again, attempted by a stranger, merged and published (publish), audited when an advisory
appears and when it is withdrawn (audit), and a plugin's release opens its own pull request
(the release-pr action). Each scenario asserts on the fake GitHub API's state and on the
origin's refs. The scenarios build on each other, in order, over one module-scoped world.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from plugindex.scan.receipt import RECEIPT, Receipt, parse_receipt, receipt_bytes
from plugindex.scan.shard import Shard, shard_of
from plugindex.scanners.osvdb import OsvDatabase
from plugindex.scanners.osvserver import make_server, url
from plugindex.sign.client import verify
from tests.github_fake import FakeGitHub, fake_github
from tests.scan.test_scanner import JINJA2_ADVISORY
from tests.workflows.world import BOT, REPOSITORY, Act, World, act_unavailable, git

SHARDS = 3  # the scan and audit matrices' size (.github/workflows/publish.yml, audit.yml)
UNAVAILABLE = act_unavailable()
pytestmark = pytest.mark.skipif(UNAVAILABLE is not None, reason=str(UNAVAILABLE))

MANIFEST = """\
schema: 1
name: greeter
version: "{version}"
summary: Greets the users of a FARM application by name.
category: monitoring
maintainers:
  - github: alice
license: MIT
source:
  path: examples/plugins/greeter
host: ">=1.0"
requires:
  packages:
    - "jinja2==2.10"
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path) -> Iterator[World]:
    advisories = tmp_path_factory.mktemp("osv")
    (advisories / "vulns").mkdir()
    osv = make_server(OsvDatabase(advisories))
    import threading  # noqa: PLC0415

    threading.Thread(target=osv.serve_forever, daemon=True).start()
    fake = FakeGitHub(repository=REPOSITORY)
    with fake_github(fake):
        w = World(tmp_path_factory.mktemp("world"), wheelhouse, fake, f"{url(osv)}/v1/query")
        w.osv_db = advisories  # type: ignore[attr-defined]
        w.osv_server = osv  # type: ignore[attr-defined]
        w.create()
        yield w
    osv.shutdown()
    osv.server_close()


def pull_payload(number: int, head: str, author: str) -> dict[str, object]:
    return {"number": number, "action": "synchronize",
            "pull_request": {"number": number, "head": {"sha": head, "ref": f"pr-{number}"},
                             "base": {"ref": "main"}, "user": {"login": author}},
            "repository": {"full_name": REPOSITORY, "default_branch": "main"}}


def report(world: World, run_id: int, head: str) -> Act:
    """pr-report.yml on the completion (workflow_run) of the pr run ``run_id``."""
    return world.act("workflow_run", ".github/workflows/pr-report.yml", {
        "action": "completed",
        "workflow_run": {"id": run_id, "event": "pull_request", "head_sha": head,
                         "html_url": f"https://github.com/{REPOSITORY}/actions/runs/{run_id}"},
        "repository": {"full_name": REPOSITORY, "default_branch": "main"}},
        world.main_sha())


def review(world: World, number: int, head: str, author: str) -> int:
    """pr.yml on the pull request, then pr-report.yml on its completion; the pr run's id."""
    run_id = world.runs + 1
    done = world.act("pull_request", ".github/workflows/pr.yml",
                     pull_payload(number, head, author), head, run_id=run_id)
    assert done.ok(), done.output[-3000:]
    reported = report(world, run_id, head)
    assert reported.ok(), reported.output[-3000:]
    return run_id


def push_payload(before: str, after: str) -> dict[str, object]:
    return {"ref": "refs/heads/main", "before": before, "after": after,
            "repository": {"full_name": REPOSITORY, "default_branch": "main"}}


def comments_on(fake: FakeGitHub, number: int) -> list[str]:
    return [c["body"] for c in fake.comments.values() if c["issue"] == number]


def statuses_of(fake: FakeGitHub, sha: str) -> list[str]:
    return [s["state"] for s in fake.statuses if s["sha"] == sha]


def test_a_new_plugin_is_reviewed_ready(world: World) -> None:
    git(world.dev, "checkout", "-q", "-b", "pr-7")
    world.write("examples/plugins/greeter/README.md", "# greeter\n\nGreets users.\n")
    world.write("examples/plugins/greeter/greeter.py", "def greet(name: str) -> str:\n"
                "    return f'hello {name}'\n")
    world.write("submissions/greeter/1.0.0.yaml", MANIFEST.format(version="1.0.0"))
    world.commit("greeter 1.0.0", GIT_AUTHOR_NAME="Alice",
                 GIT_AUTHOR_EMAIL="2+alice@users.noreply.github.com")
    head = world.open_pull(7, "alice", "pr-7")
    review(world, 7, head, "alice")
    [comment] = comments_on(world.fake, 7)
    assert "plugindex review: ready" in comment
    assert world.fake.pulls[7].labels == {"new-plugin", "ready-for-review"}
    assert statuses_of(world.fake, head) == ["success"]


def test_pushing_again_updates_the_one_comment(world: World) -> None:
    world.write("examples/plugins/greeter/README.md", "# greeter\n\nGreets users by name.\n")
    world.commit("greeter: a better README", GIT_AUTHOR_NAME="Alice",
                 GIT_AUTHOR_EMAIL="2+alice@users.noreply.github.com")
    head = world.open_pull(7, "alice", "pr-7")
    review(world, 7, head, "alice")
    [comment] = comments_on(world.fake, 7)  # updated, not a second one
    assert "plugindex review: ready" in comment
    assert any(c.startswith("PATCH ") and "/issues/comments/" in c for c in world.fake.calls)
    assert statuses_of(world.fake, head) == ["success"]


def test_a_stranger_changing_another_authors_plugin_fails(world: World) -> None:
    git(world.dev, "checkout", "-q", "-B", "pr-8", "origin/main")
    path = "submissions/env-config/1.1.0.yaml"
    text = (world.dev / path).read_text(encoding="utf-8")
    world.write(path, text.replace("maintainers:\n", "maintainers:\n  - github: mallory\n", 1))
    world.commit("env-config: add me", GIT_AUTHOR_NAME="Mallory",
                 GIT_AUTHOR_EMAIL="3+mallory@users.noreply.github.com")
    head = world.open_pull(8, "mallory", "pr-8")
    world.pr_runs[8] = review(world, 8, head, "mallory")
    [comment] = comments_on(world.fake, 8)
    assert "`PI080`" in comment
    assert statuses_of(world.fake, head) == ["failure"]
    assert "ready-for-review" not in world.fake.pulls[8].labels


def test_an_api_error_ends_the_report_red_naming_its_step(world: World) -> None:
    """GitHub answers 500 when the status is set: the job fails, and says which step did."""
    head = world.fake.pulls[8].head_sha
    world.fake.failing[f"POST /repos/{REPOSITORY}/statuses/[0-9a-f]{{40}}"] = 500
    try:
        reported = report(world, world.pr_runs[8], head)
    finally:
        world.fake.failing.clear()
    assert not reported.ok()
    assert "Failure - Main Publish the review" in reported.output
    assert "500" in reported.output
    assert statuses_of(world.fake, head) == ["failure"]  # the earlier one only


WIDGET = """\
schema: 1
name: widget
version: "1.0.0"
summary: Adds a widget to the React front end of a FARM application.
category: monitoring
maintainers:
  - github: alice
license: MIT
source:
  git: https://github.com/alice/widget
  commit: {commit}
host: ">=1.0"
"""


def test_a_rejected_push_publishes_nothing(world: World) -> None:
    """The maintainers merge #7 and push widget 1.0.0 (whose repository cannot be fetched);
    the origin refuses the publish job's push: the job is red, naming its step, and main is
    left as the maintainers pushed it. (The build job alone, after three scan shards that
    scanned nothing; the next tests run the whole workflow.)"""
    world.before_merge = world.main_sha()
    git(world.dev, "checkout", "-q", "-B", "main", "origin/main")
    world.write("submissions/widget/1.0.0.yaml", WIDGET.format(commit="a" * 40))
    world.commit("widget 1.0.0", GIT_AUTHOR_NAME="Reg Owner",
                 GIT_AUTHOR_EMAIL="1+reg-owner@users.noreply.github.com")
    git(world.dev, "merge", "-q", "--no-ff", "pr-7", "-m",
        "Merge pull request #7 from alice/pr-7\n\ngreeter 1.0.0")
    git(world.dev, "push", "-q", "origin", "main")
    world.merged = world.main_sha()
    world.fake.pulls[7].reviews = [("nadia-okafor", "APPROVED")]
    for k in range(1, SHARDS + 1):  # what shards with nothing to scan hand over
        export = world.artifacts / str(world.runs + 1) / f"scan-records-{k}"
        export.mkdir(parents=True)
        (export / RECEIPT).write_bytes(receipt_bytes(Receipt("scan", world.merged,
                                                             Shard(k, SHARDS), {})))
    hook = world.origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'main is protected' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    try:
        done = world.act("push", ".github/workflows/publish.yml",
                         push_payload(world.before_merge, world.merged), world.merged,
                         job="build")
    finally:
        hook.unlink()
    assert not done.ok()
    assert "Failure - Main Merge the records, fetch approvals, build, commit" in done.output
    assert "could not push the index after 3 attempts" in done.output
    assert world.main_sha() == world.merged
    assert not (world.artifacts / str(world.runs) / "github-pages").exists()


@pytest.mark.parametrize(("fault", "why"), [
    ("scan-records-2:fail", "upload of scan-records-2 failed"),
    ("scan-records-3:lost", f"shard 3/{SHARDS}: no directory holds its records")])
def test_a_shard_that_fails_or_loses_its_records_publishes_nothing(
        world: World, fault: str, why: str) -> None:
    """One of the scan's shards fails, or its records never reach the job that commits: the
    run is red and main stays as the maintainers pushed it."""
    done = world.act("push", ".github/workflows/publish.yml",
                     push_payload(world.before_merge, world.merged), world.merged,
                     extra_env={"PLUGINDEX_TEST_ARTIFACT_FAULT": fault})
    assert not done.ok()
    assert why in done.output
    if fault.endswith(":fail"):  # the job that commits never starts
        assert "Merge the records, fetch approvals, build, commit" not in done.output
    assert world.main_sha() == world.merged
    assert not (world.artifacts / str(world.runs) / "github-pages").exists()


def test_merging_publishes_the_new_plugin_scanned(world: World) -> None:
    merged = world.merged
    done = world.act("push", ".github/workflows/publish.yml",
                     push_payload(world.before_merge, merged), merged)
    assert done.ok(), done.output[-4000:]
    # three shards, each with its receipt; each plugin's records in its own shard only
    for k in range(1, SHARDS + 1):
        export = world.artifacts / str(world.runs) / f"scan-records-{k}"
        receipt = parse_receipt((export / RECEIPT).read_bytes())
        assert receipt.shard == Shard(k, SHARDS)
        assert {rel.split("/")[0] for rel in receipt.records} <= {
            p for p in ("greeter", "widget") if shard_of(p, SHARDS) == k}
    published = world.main_sha()
    assert git(world.origin, "rev-parse", f"{published}^") == merged  # one commit on top
    assert git(world.origin, "log", "-1", "--format=%ae", published) == BOT
    changed = git(world.origin, "diff", "--name-only", merged, published).split("\n")
    assert [p for p in changed if not p.startswith("index/")] == []
    assert any(p.startswith("index/cache/greeter/scan-") for p in changed)
    detail = json.loads(git(world.origin, "show", f"{published}:index/v1/plugins/greeter.json"))
    [version] = detail["versions"]
    assert version["scan"]["summary"]["verdict"] == "passed"
    assert version["score"]["total"] > 0
    # a source that cannot be fetched is published incomplete, with the reason, never passed
    widget = json.loads(git(world.origin, "show", f"{published}:index/v1/plugins/widget.json"))
    [version] = widget["versions"]
    assert version["scan"]["summary"]["verdict"] == "incomplete"
    assert [i["id"] for i in version["scan"]["items"] if i["kind"] == "skipped"] == [
        "git-not-found"]
    reviews = json.loads(git(world.origin, "show", f"{published}:index/cache/reviews.json"))
    assert "nadia-okafor" in json.dumps(reviews)
    pages = world.artifacts / str(world.runs) / "github-pages"
    assert (pages / "plugins" / "greeter" / "index.html").is_file()
    assert (world.artifacts / "deployed").read_text().split() == [str(world.runs)]
    # the deployed index, signed by the job that holds the online key, verifies from the
    # registry's first root; what it verified is the index main holds
    verified = {v.path: v.file for v in verify(str(pages / "index" / "v1"),
                                               world.trusted_root, world.base / "verify")}
    assert {"index.json", "plugins/greeter.json", "changes.json", "schema.json"} <= set(
        verified)
    assert verified["plugins/greeter.json"].read_bytes() == git(
        world.origin, "show", f"{published}:index/v1/plugins/greeter.json").encode() + b"\n"
    # a second run with nothing new changes nothing
    again = world.act("push", ".github/workflows/publish.yml", push_payload(merged, published),
                      published)
    assert again.ok(), again.output[-4000:]
    assert world.main_sha() == published


def audit(world: World) -> str:
    done = world.act("schedule", ".github/workflows/audit.yml",
                     {"schedule": "17 4 * * *",
                      "repository": {"full_name": REPOSITORY, "default_branch": "main"}},
                     world.main_sha())
    assert done.ok(), done.output[-4000:]
    return world.main_sha()


def test_the_audit_opens_and_closes_the_advisory_issue(world: World) -> None:
    db: Path = world.osv_db  # type: ignore[attr-defined]
    advisory = db / "vulns" / "jinja2" / "PYSEC-2019-217.yaml"
    advisory.parent.mkdir(parents=True, exist_ok=True)
    advisory.write_text(JINJA2_ADVISORY, encoding="utf-8")
    world.osv_server.db = OsvDatabase(db)  # type: ignore[attr-defined]
    before = world.main_sha()
    after = audit(world)
    assert after != before
    detail = json.loads(git(world.origin, "show", f"{after}:index/v1/plugins/greeter.json"))
    assert detail["versions"][0]["scan"]["summary"]["advisories"] == 1
    [issue] = world.fake.issues.values()
    assert issue["state"] == "open"
    assert "PYSEC-2019-217" in issue["body"].replace("\\", "")  # as Markdown renders it
    advisory.write_text(JINJA2_ADVISORY + 'withdrawn: "2024-05-01T00:00:00Z"\n', encoding="utf-8")
    world.osv_server.db = OsvDatabase(db)  # type: ignore[attr-defined]
    withdrawn = audit(world)
    detail = json.loads(git(world.origin, "show", f"{withdrawn}:index/v1/plugins/greeter.json"))
    assert detail["versions"][0]["scan"]["summary"]["advisories"] == 0
    [issue] = world.fake.issues.values()
    assert issue["state"] == "closed"


RELEASE_WORKFLOW = """\
name: registry
on:
  release:
    types: [published]
permissions: {}
jobs:
  bump:
    runs-on: ubuntu-latest
    steps:
      - uses: REPOSITORY/.github/actions/release-pr@SHA
        with:
          registry: REPOSITORY
          registry-ref: SHA
          plugin: widget
          version: ${{ github.event.release.tag_name }}
          push-url: PUSH_URL
          token: ${{ secrets.GITHUB_TOKEN }}
"""


def test_a_release_opens_its_version_bump_pull_request(world: World) -> None:
    """widget's own repository publishes release v1.1.0; its workflow (the README's, pinned to
    a registry commit) runs the release-pr action, which installs plugindex from the registry
    at that commit, pushes a branch with the new manifest and opens the pull request."""
    registry_sha = world.main_sha()
    action_checkout = world.base / "registry-at-release"
    git(world.base, "clone", "-q", str(world.origin), str(action_checkout))
    git(action_checkout, "checkout", "-q", "--detach", registry_sha)
    plugin = world.base / "widget"
    plugin.mkdir()
    git(plugin, "init", "-q", "-b", "main")
    (plugin / "widget.py").write_text("def widget() -> str:\n    return 'widget'\n")
    workflow = plugin / ".github" / "workflows" / "registry.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(RELEASE_WORKFLOW.replace("REPOSITORY", REPOSITORY)
                        .replace("SHA", registry_sha).replace("PUSH_URL", str(world.origin)))
    git(plugin, "add", "-A")
    git(plugin, "commit", "-q", "-m", "widget 1.1.0")
    git(plugin, "tag", "v1.1.0")
    released = git(plugin, "rev-parse", "HEAD")
    git(plugin, "remote", "add", "origin", "https://github.com/alice/widget.git")
    # pip installs git+https://github.com/<registry>@<sha>: from the local origin
    gitconfig = world.base / "release-gitconfig"
    gitconfig.write_text(f'[url "{world.origin}"]\n'
                         f"\tinsteadOf = https://github.com/{REPOSITORY}\n", encoding="utf-8")
    opened = len(world.fake.opened)
    done = world.act("release", ".github/workflows/registry.yml", {
        "action": "published", "ref": "refs/tags/v1.1.0",
        "release": {"tag_name": "v1.1.0", "target_commitish": "main"},
        "repository": {"full_name": "alice/widget", "default_branch": "main"}},
        released, cwd=plugin, extra_env={"GIT_CONFIG_GLOBAL": str(gitconfig)},
        local={f"{REPOSITORY}@{registry_sha}": str(action_checkout)})
    assert done.ok(), done.output[-4000:]
    [pull] = world.fake.opened[opened:]
    assert (pull["head"], pull["base"], pull["title"]) == (
        "release/widget-1.1.0", "main", "widget 1.1.0")
    manifest = git(world.origin, "show", "refs/heads/release/widget-1.1.0:"
                   "submissions/widget/1.1.0.yaml")
    assert f"commit: {released}" in manifest
    assert "tag: v1.1.0" in manifest
    assert world.main_sha() == registry_sha  # a branch and a pull request, never main
