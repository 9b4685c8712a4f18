"""plugindex scan / audit on real git registries: in-repo, git and archive sources, the policy,
the cache, and the build reading only the cache. Offline: git sources are local repositories
reached through a mirror mapping, archives come from a local HTTP server."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import subprocess
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml

from plugindex.cli import main
from plugindex.scanners.osvdb import OsvDatabase
from plugindex.scanners.osvserver import make_server, url
from tests.conftest import DATA, GIT_ENV, VALID_MANIFEST, GitRegistry

SHELL_CODE = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
MD5_NOSEC = "import hashlib\n\n\ndef key(x):\n    return hashlib.md5(x).hexdigest()  # nosec\n"


def scan(reg: GitRegistry, *args: str) -> int:
    return main(["scan", "--root", str(reg.root), *args])


def scan_json(reg: GitRegistry, capsys: pytest.CaptureFixture[str], *args: str
              ) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = scan(reg, "--format", "json", *args)
    return code, json.loads(capsys.readouterr().out)


def rules(report: dict[str, Any]) -> set[str]:
    return {d["rule"] for d in report["diagnostics"]}


def items(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [i for v in report["versions"] if v["name"] == name for i in v["items"]]


def add_source_plugin(reg: GitRegistry, name: str, files: dict[str, str],
                      extra: str = "", version: str = "1.0.0") -> None:
    for rel, text in files.items():
        reg.write(f"plugins/{name}/{rel}", text)
    reg.write(f"submissions/{name}/{version}.yaml",
              VALID_MANIFEST.format(name=name, version=version) + extra)


def set_scan_config(reg: GitRegistry, text: str) -> None:
    path = reg.root / "registry.yaml"
    path.write_text(path.read_text() + "\nscan:\n" + text)


@pytest.fixture
def shell_plugin(git_registry: GitRegistry) -> GitRegistry:
    add_source_plugin(git_registry, "shelly", {"shelly.py": SHELL_CODE},
                      "permissions: [subprocess]\n")
    git_registry.commit("shelly")
    return git_registry


# -- in-repository sources, bandit and the policy ------------------------------------------------


def test_a_high_severity_finding_blocks_and_is_kept_with_its_location(
        shell_plugin: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = scan_json(shell_plugin, capsys, "--offline")
    assert code == 1
    assert "PI072" in rules(report)
    found = {(i["id"], i["where"], i["level"]) for i in items(report, "shelly")
             if i["kind"] == "code"}
    assert found == {("B602", "shelly.py:5", "block"), ("B404", "shelly.py:1", "info")}
    record = json.loads(next((shell_plugin.root / "index/cache/shelly").glob("scan-*.json"))
                        .read_text())
    finding = next(f for f in record["bandit"]["findings"] if f["test_id"] == "B602")
    assert (finding["test_id"], finding["severity"], finding["confidence"], finding["cwe"]) == (
        "B602", "high", "high", 78)


def test_progress_is_shown_where_someone_watches(
        shell_plugin: GitRegistry, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A line per version on stderr as it is done, in a CI log (CI set) or a terminal; none
    for a script reading the output."""
    add_source_plugin(shell_plugin, "plain", {"plain.py": "X = 1\n"})
    shell_plugin.commit("plain")
    monkeypatch.delenv("CI", raising=False)
    scan(shell_plugin, "--offline")
    assert "[1/2]" not in capsys.readouterr().err
    monkeypatch.setenv("CI", "true")
    scan(shell_plugin, "--offline")
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("[")]
    assert [ln.split("]")[0] for ln in lines] == ["[1/2", "[2/2"]
    assert {ln.split()[1] for ln in lines} == {"plain", "shelly"}


def test_a_second_scan_is_answered_from_the_cache(
        shell_plugin: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    _, first = scan_json(shell_plugin, capsys, "--offline")
    _, second = scan_json(shell_plugin, capsys, "--offline")
    assert [v["scanned"] for v in first["versions"]] == [True]
    assert [v["scanned"] for v in second["versions"]] == [False]
    assert first["versions"][0]["items"] == second["versions"][0]["items"]


def test_the_plugins_own_bandit_configuration_is_ignored(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    add_source_plugin(git_registry, "sneaky", {
        "sneaky.py": SHELL_CODE,
        ".bandit": "[bandit]\nskips: B602,B404,B603\n",
        "sub/.bandit": "[bandit]\nskips: B602\n",  # two .bandit files make bandit refuse to run
        "pyproject.toml": "[tool.bandit]\nskips = [\"B602\"]\n",
    }, "permissions: [subprocess]\n")
    git_registry.commit("sneaky")
    _, report = scan_json(git_registry, capsys, "--offline")
    assert "B602" in {i["id"] for i in items(report, "sneaky")}


def test_nosec_suppressions_are_counted_listed_and_keep_their_level(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    add_source_plugin(git_registry, "hushed", {"hushed.py": MD5_NOSEC})
    git_registry.commit("hushed")
    code, report = scan_json(git_registry, capsys, "--offline")
    summary = report["versions"][0]["summary"]
    assert summary["suppressed"] == 1
    assert summary["nosec_comments"] >= 1
    # B324 (md5) is high severity, high confidence: '# nosec' does not lift the block.
    assert [(i["kind"], i["id"], i["level"]) for i in items(report, "hushed")
            if i["kind"] == "suppressed"] == [("suppressed", "B324", "block")]
    assert (code, report["versions"][0]["verdict"]) == (1, "blocked")
    assert "PI072" in rules(report)


def test_a_file_bandit_cannot_parse_is_a_scan_error_not_a_clean_scan(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    add_source_plugin(git_registry, "broken", {"broken.py": "def f(:\n    pass\n"})
    git_registry.commit("broken")
    _, report = scan_json(git_registry, capsys, "--offline")
    assert "PI073" in rules(report)
    assert report["versions"][0]["verdict"] != "passed"


def test_an_undeclared_permission_is_a_finding(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    add_source_plugin(git_registry, "chatty", {"chatty.py": "import socket\n"})
    git_registry.commit("chatty")
    _, report = scan_json(git_registry, capsys, "--offline")
    assert "PI075" in rules(report)
    assert [i["id"] for i in items(report, "chatty") if i["kind"] == "permission"] == [
        "network"]


def override(approved_by: str) -> str:
    return f"""  policy:
    overrides:
      - plugin: shelly
        version: "*"
        findings: [B602]
        approved_by: {approved_by}
        reason: the command is a constant string, reviewed by hand
"""


def test_an_admin_override_lifts_the_block(
        shell_plugin: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    set_scan_config(shell_plugin, override("farm-registry-admin"))
    shell_plugin.commit("exception")
    code, report = scan_json(shell_plugin, capsys, "--offline")
    assert "PI072" not in rules(report)
    assert code == 0
    found = [i for i in items(report, "shelly") if i["id"] == "B602"]
    assert found[0]["overridden_by"] == "farm-registry-admin"


def test_the_hint_of_a_blocking_finding_is_the_override_that_lifts_it(
        shell_plugin: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    """The message names the bandit test id; the hint is the exact exception an admin would
    add: taken as written (with an admin's login and a reason), it lifts the block."""
    _, report = scan_json(shell_plugin, capsys, "--offline")
    [blocking] = [d for d in report["diagnostics"]
                  if d["rule"] == "PI072" and d["severity"] == "error"]
    assert "B602" in blocking["message"].split()
    exception = yaml.safe_load(blocking["hint"].split("scan.policy.overrides: ", 1)[1]
                               .replace("<admin login>", "farm-registry-admin")
                               .replace("<why it is safe>", "reviewed by hand"))
    assert exception["findings"] == ["B602"]
    set_scan_config(shell_plugin, "  policy:\n    overrides:\n      - "
                    + json.dumps(exception) + "\n")
    shell_plugin.commit("exception")
    code, report = scan_json(shell_plugin, capsys, "--offline")
    assert (code, "PI072" in rules(report)) == (0, False)


def test_an_override_by_a_non_admin_is_a_configuration_error(
        shell_plugin: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    set_scan_config(shell_plugin, override("shelly-author"))
    assert scan(shell_plugin, "--offline") == 2
    assert "PI020" in capsys.readouterr().err


def test_a_stricter_policy_rejudges_cached_results_without_rescanning(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    add_source_plugin(git_registry, "hasty", {
        "hasty.py": "import requests\n\n\ndef ping(url):\n    return requests.get(url)\n"},
        "permissions: [network]\n")
    git_registry.commit("hasty")
    code, report = scan_json(git_registry, capsys, "--offline")
    assert code == 0  # B113 is medium severity, low confidence: a warning by default
    assert [d["severity"] for d in report["diagnostics"] if d["rule"] == "PI072"] == ["warning"]
    set_scan_config(git_registry, "  policy:\n    bandit:\n"
                    "      block: {severity: medium, confidence: low}\n")
    git_registry.commit("stricter")
    code, report = scan_json(git_registry, capsys, "--offline")
    assert code == 1
    assert report["versions"][0]["scanned"] is False
    assert [d["severity"] for d in report["diagnostics"] if d["rule"] == "PI072"] == ["error"]


def test_select_by_name_and_version_and_changed_since(
        shell_plugin: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    base = shell_plugin.git("rev-parse", "HEAD").strip()
    add_source_plugin(shell_plugin, "calm", {"calm.py": "X = 1\n"})
    shell_plugin.commit("calm")
    _, report = scan_json(shell_plugin, capsys, "--offline", "--changed", base)
    assert [v["name"] for v in report["versions"]] == ["calm"]
    _, report = scan_json(shell_plugin, capsys, "--offline", "shelly@1.0.0")
    assert [v["name"] for v in report["versions"]] == ["shelly"]
    assert scan(shell_plugin, "--offline", "nope@1.0.0") == 2


def test_a_pull_request_cannot_bring_its_own_clean_record(
        shell_plugin: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    base = shell_plugin.git("rev-parse", "HEAD~1").strip()  # before shelly was added
    scan(shell_plugin, "--offline")
    record = next((shell_plugin.root / "index/cache/shelly").glob("scan-*.json"))
    forged = json.loads(record.read_text())
    forged["bandit"]["findings"] = []
    record.write_text(json.dumps(forged))
    shell_plugin.commit("shelly with a forged clean record")
    code, report = scan_json(shell_plugin, capsys, "--offline", "--changed", base)
    assert code == 1
    assert report["versions"][0]["scanned"] is True
    assert "B602" in {i["id"] for i in items(report, "shelly")}


# -- the build reads the cache only ---------------------------------------------------------------


def test_build_shows_the_committed_scan_and_rerenders_when_it_changes(
        shell_plugin: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--root", str(shell_plugin.root)]) == 0
    detail = json.loads((shell_plugin.root / "index/v1/plugins/shelly.json").read_text())
    assert detail["versions"][0]["scan"]["summary"]["verdict"] == "not-scanned"
    shell_plugin.commit("index")
    scan(shell_plugin, "--offline")
    shell_plugin.commit("scan results")
    assert main(["build", "--root", str(shell_plugin.root)]) == 0
    detail = json.loads((shell_plugin.root / "index/v1/plugins/shelly.json").read_text())
    scanned = detail["versions"][0]["scan"]
    assert scanned["summary"]["verdict"] == "blocked"
    assert scanned["summary"]["findings"]["high"] == 1
    index = json.loads((shell_plugin.root / "index/v1/index.json").read_text())
    assert index["plugins"][0]["scan"]["verdict"] == "blocked"
    # The incremental result is the cold one.
    incremental = shell_plugin.index_bytes()
    subprocess.run(["rm", "-rf", str(shell_plugin.root / ".cache"),
                    str(shell_plugin.root / "index/v1")], check=True)
    assert main(["build", "--root", str(shell_plugin.root)]) == 0
    assert shell_plugin.index_bytes() == incremental


# -- the canary: nothing of the plugin ever runs --------------------------------------------------


def canary_files(marker_dir: Path) -> dict[str, str]:
    def writer(tag: str) -> str:
        return (f"import pathlib\npathlib.Path({str(marker_dir)!r}, {tag!r}).write_text('ran')\n")
    return {
        "setup.py": writer("setup.py") + "from setuptools import setup\nsetup(name='canary')\n",
        "canary/__init__.py": writer("__init__.py"),
        "conftest.py": writer("conftest.py"),
        "tests/test_canary.py": writer("test_canary.py"),
        "requirements.txt": "requests==2.19.1\n",
    }


def test_the_canary_never_runs(git_registry: GitRegistry, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    add_source_plugin(git_registry, "canary", canary_files(markers),
                      "permissions: [filesystem]\n")
    git_registry.commit("canary")
    root = str(git_registry.root)
    nowhere = "http://127.0.0.1:9/v1/query"  # nothing listens: the audit is a skip
    for argv in (["scan", "--root", root, "--offline"],
                 ["scan", "--root", root, "--osv-url", nowhere],
                 ["audit", "--root", root, "--osv-url", nowhere],
                 ["validate", "--root", root], ["build", "--root", root]):
        main(argv)
        assert list(markers.iterdir()) == [], argv
    capsys.readouterr()


# -- git sources ----------------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout.strip()


@pytest.fixture
def upstream(tmp_path: Path) -> Path:
    """A plugin's own repository, as if at https://github.com/acme/<name>."""
    repo = tmp_path / "mirror" / "acme" / "shelly"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (repo / "shelly.py").write_text(SHELL_CODE)
    (repo / "pkg").mkdir()
    (repo / "pkg" / "mod.py").write_text("X = 1\n")
    os.symlink("/etc/passwd", repo / "leak")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "release")
    return repo


def git_manifest(name: str, commit: str, extra: str = "") -> str:
    return VALID_MANIFEST.format(name=name, version="1.0.0").replace(
        f"  path: plugins/{name}\n",
        f"  git: https://github.com/acme/{name}\n  commit: {commit}\n" + extra,
    ) + "permissions: [subprocess]\n"


def mirror_to(reg: GitRegistry, base: str) -> None:
    set_scan_config(reg, f'  mirrors:\n    "https://github.com/": "{base}"\n'
                    '  limits: {retries: 0, timeout_seconds: 20}\n')


def test_a_git_source_is_cloned_and_scanned_without_following_links(
        git_registry: GitRegistry, upstream: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    commit = git(upstream, "rev-parse", "HEAD")
    mirror_to(git_registry, f"file://{upstream.parent.parent}/")
    git_registry.write("submissions/shelly/1.0.0.yaml", git_manifest("shelly", commit))
    git_registry.commit("shelly from git")
    code, report = scan_json(git_registry, capsys, "--offline")
    assert report["versions"][0]["verdict"] == "not-scanned"  # offline: nothing fetched
    assert "PI077" in rules(report)
    assert [i["id"] for i in items(report, "shelly")] == ["offline"]  # and says why
    code, report = scan_json(git_registry, capsys)
    assert code == 1
    assert "B602" in {i["id"] for i in items(report, "shelly") if i["kind"] == "code"}
    summary = report["versions"][0]["summary"]
    assert summary["commit"] == commit
    assert summary["tree"] == git(upstream, "rev-parse", "HEAD^{tree}")
    record = json.loads(next((git_registry.root / "index/cache/shelly").glob("scan-*.json"))
                        .read_text())
    assert record["source"]["not_scanned"] == [["leak", "symbolic link (not followed)"]]


def test_a_commit_no_branch_or_tag_holds_is_refused(
        git_registry: GitRegistry, upstream: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (upstream / "shelly.py").write_text("X = 2\n")
    git(upstream, "commit", "-q", "-am", "a commit later dropped from every branch")
    dangling = git(upstream, "rev-parse", "HEAD")
    git(upstream, "reset", "-q", "--hard", "HEAD~1")
    git(upstream, "tag", "keep-dangling-object-out", "HEAD")  # refs do not hold `dangling`
    mirror_to(git_registry, f"file://{upstream.parent.parent}/")
    git_registry.write("submissions/shelly/1.0.0.yaml", git_manifest("shelly", dangling))
    git_registry.commit("shelly")
    code, report = scan_json(git_registry, capsys)
    assert code == 1
    refused = [i for i in items(report, "shelly") if i["kind"] == "refused"]
    assert [i["id"] for i in refused] in (
        ["git-commit-unreachable"], ["git-commit-missing"])  # a clone may not carry it at all
    assert "PI070" in rules(report)


def test_a_missing_repository_is_a_skip_not_a_clean_scan(
        git_registry: GitRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mirror_to(git_registry, f"file://{tmp_path}/nothing-here/")
    git_registry.write("submissions/shelly/1.0.0.yaml", git_manifest("shelly", "a" * 40))
    git_registry.commit("shelly")
    _, report = scan_json(git_registry, capsys)
    assert report["versions"][0]["verdict"] == "incomplete"
    assert "PI071" in rules(report)
    assert [i["id"] for i in items(report, "shelly") if i["kind"] == "skipped"] == [
        "git-not-found"]


# -- archive sources ------------------------------------------------------------------------------


def tar_gz(files: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"pkg-1.0.0/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(f"pkg-1.0.0/{name}")
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return buf.getvalue()


class _Files(BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        data = self.files.get(self.path)
        if data is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_files() -> Iterator[tuple[str, dict[str, bytes]]]:
    files: dict[str, bytes] = {}
    handler = type("Handler", (_Files,), {"files": files})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", files
    server.shutdown()
    server.server_close()
    thread.join()


def archive_manifest(name: str, sha: str) -> str:
    return VALID_MANIFEST.format(name=name, version="1.0.0").replace(
        f"  path: plugins/{name}\n",
        f"  archive: https://files.pythonhosted.org/{name}.tar.gz\n  sha256: {sha}\n",
    ) + "permissions: [subprocess]\n"


def archive_registry(reg: GitRegistry, base: str, name: str, sha: str) -> None:
    set_scan_config(reg, f'  mirrors:\n    "https://files.pythonhosted.org/": "{base}/"\n'
                    '  limits: {retries: 0, timeout_seconds: 20}\n')
    reg.write(f"submissions/{name}/1.0.0.yaml", archive_manifest(name, sha))
    reg.commit(name)


def test_an_archive_is_verified_extracted_and_scanned(
        git_registry: GitRegistry, http_files: tuple[str, dict[str, bytes]],
        capsys: pytest.CaptureFixture[str]) -> None:
    base, files = http_files
    data = tar_gz({"shelly.py": SHELL_CODE.encode()})
    files["/shelly.tar.gz"] = data
    archive_registry(git_registry, base, "shelly", hashlib.sha256(data).hexdigest())
    _, report = scan_json(git_registry, capsys)
    assert "B602" in {i["id"] for i in items(report, "shelly") if i["kind"] == "code"}


@pytest.mark.parametrize(("case", "rule", "code"), [
    ("mismatch", "PI070", "sha256-mismatch"),
    ("symlink", "PI070", "archive-member-type"),
    ("missing", "PI071", "http-not-found"),
])
def test_bad_archives_are_refused_or_skipped_with_their_reason(
        git_registry: GitRegistry, http_files: tuple[str, dict[str, bytes]],
        capsys: pytest.CaptureFixture[str], case: str, rule: str, code: str) -> None:
    base, files = http_files
    data = tar_gz({"ok.py": b"X = 1\n"}, {"leak": "/etc/passwd"} if case == "symlink" else None)
    sha = hashlib.sha256(data).hexdigest()
    if case == "mismatch":
        data += b"tampered"
    if case != "missing":
        files["/shelly.tar.gz"] = data
    archive_registry(git_registry, base, "shelly", sha)
    _, report = scan_json(git_registry, capsys)
    assert rule in rules(report)
    assert code in {i["id"] for i in items(report, "shelly")}
    assert report["versions"][0]["verdict"] in ("blocked", "incomplete")


# -- dependency audit (pip-audit against a local OSV endpoint) -----------------------------------

OSV_DATA = DATA / "osv"


def serve_osv(db_dir: Path) -> tuple[str, Any]:
    server = make_server(OsvDatabase(db_dir))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"{url(server)}/v1/query", server


# PYSEC-2019-217 as the PyPA advisory database has it, trimmed: jinja2 before 2.10.1.
JINJA2_ADVISORY = """\
id: PYSEC-2019-217
details: In Pallets Jinja before 2.10.1, str.format_map allows a sandbox escape.
affected:
- package:
    name: jinja2
    ecosystem: PyPI
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: '0'
    - fixed: 2.10.1
aliases:
- CVE-2019-10906
modified: "2021-07-02T02:41:04.000000Z"
published: "2019-04-07T00:29:00Z"
"""


def advisory_db(root: Path, advisories: dict[str, str]) -> Path:
    """An advisory database of ``{"<package>/<ID>": yaml text}`` under ``root``."""
    for rel, text in advisories.items():
        path = root / "vulns" / f"{rel}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "vulns").mkdir(parents=True, exist_ok=True)
    return root


@contextlib.contextmanager
def serving(db_dir: Path) -> Iterator[str]:
    """A local OSV endpoint over ``db_dir``, for the duration of the block: its query URL."""
    endpoint, server = serve_osv(db_dir)
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def osv_url() -> Iterator[str]:
    endpoint, server = serve_osv(OSV_DATA)
    yield endpoint
    server.shutdown()
    server.server_close()


def test_a_pinned_dependency_with_an_advisory_blocks(
        git_registry: GitRegistry, osv_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    add_source_plugin(git_registry, "old-requests", {"m.py": "X = 1\n"},
                      "requires:\n  packages: [\"requests==2.19.1\", \"idna==3.7\"]\n")
    git_registry.commit("old")
    code, report = scan_json(git_registry, capsys, "--osv-url", osv_url)
    assert code == 1
    assert "PI074" in rules(report)
    advisories = {i["id"]: i for i in items(report, "old-requests") if i["kind"] == "advisory"}
    assert set(advisories) == {"PYSEC-2018-28", "PYSEC-2023-74"}
    assert "CVE-2018-18074" in advisories["PYSEC-2018-28"]["aliases"]
    assert advisories["PYSEC-2018-28"]["where"] == "requests==2.19.1"
    diag = next(d for d in report["diagnostics"] if d["rule"] == "PI074")
    assert diag["pointer"] == "/requires/packages/0"


def test_the_sources_lock_file_is_audited_with_the_manifest(
        git_registry: GitRegistry, osv_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    add_source_plugin(git_registry, "locked", {
        "m.py": "X = 1\n",
        "uv.lock": 'version = 1\n[[package]]\nname = "locked"\nversion = "1.0.0"\n'
                   'source = { editable = "." }\n[[package]]\nname = "Requests"\n'
                   'version = "2.19.1"\n',
    }, "requires:\n  packages: [\"requests>=2.31\"]\n")
    git_registry.commit("locked")
    _, report = scan_json(git_registry, capsys, "--osv-url", osv_url)
    assert {i["where"] for i in items(report, "locked") if i["kind"] == "advisory"} == {
        "requests==2.19.1"}
    # The manifest's range is audited too (no package index here: a skip, never left out).
    assert [i["where"] for i in items(report, "locked") if i["kind"] == "audit-skipped"] == [
        "requests>=2.31"]


def test_a_range_is_resolved_from_the_package_index_without_building(
        git_registry: GitRegistry, osv_url: str, http_files: tuple[str, dict[str, bytes]],
        capsys: pytest.CaptureFixture[str]) -> None:
    base, files = http_files
    files["/requests/json"] = json.dumps({"releases": {
        "2.19.1": [{"yanked": False}], "2.20.0": [{"yanked": True}], "3.0.0rc1": [{}]}}).encode()
    set_scan_config(git_registry, f"  package_index: {base}\n")
    add_source_plugin(git_registry, "ranged", {"m.py": "X = 1\n"},
                      "requires:\n  packages: [\"requests>=2.0,<3\", \"unknown-pkg>=1\"]\n")
    git_registry.commit("ranged")
    _, report = scan_json(git_registry, capsys, "--osv-url", osv_url)
    found = items(report, "ranged")
    assert {i["id"] for i in found if i["kind"] == "advisory"} == {
        "PYSEC-2018-28", "PYSEC-2023-74"}  # 2.20.0 is yanked: pip would install 2.19.1
    assert [i["where"] for i in found if i["kind"] == "audit-skipped"] == ["unknown-pkg>=1"]


def test_offline_and_unreachable_audits_are_skips(
        git_registry: GitRegistry, capsys: pytest.CaptureFixture[str]) -> None:
    add_source_plugin(git_registry, "old-requests", {"m.py": "X = 1\n"},
                      "requires:\n  packages: [\"requests==2.19.1\"]\n")
    git_registry.commit("old")
    _, report = scan_json(git_registry, capsys, "--offline")
    assert report["versions"][0]["verdict"] == "incomplete"
    assert "PI076" in rules(report)
    _, report = scan_json(git_registry, capsys, "--osv-url", "http://127.0.0.1:9/v1/query")
    assert report["versions"][0]["verdict"] == "incomplete"
    assert [i["id"] for i in items(report, "old-requests") if i["kind"] == "audit-skipped"] == [
        "audit"]


def test_audit_refreshes_advisories_published_after_the_scan(
        git_registry: GitRegistry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty-db" / "vulns" / "other"
    empty.mkdir(parents=True)
    (empty / "X-1.yaml").write_text("id: X-1\naffected: []\n")
    add_source_plugin(git_registry, "old-requests", {"m.py": "X = 1\n"},
                      "requires:\n  packages: [\"requests==2.19.1\"]\n")
    git_registry.commit("old")
    before_url, before = serve_osv(tmp_path / "empty-db")
    try:
        code, report = scan_json(git_registry, capsys, "--osv-url", before_url)
    finally:
        before.shutdown()
        before.server_close()
    assert code == 0
    assert report["versions"][0]["verdict"] == "passed"
    after_url, after = serve_osv(OSV_DATA)
    try:
        capsys.readouterr()
        code = main(["audit", "--root", str(git_registry.root), "--osv-url", after_url,
                     "--format", "json"])
        report = json.loads(capsys.readouterr().out)
    finally:
        after.shutdown()
        after.server_close()
    assert code == 1
    assert report["versions"][0]["scanned"] is False  # bandit did not run again
    assert "PI074" in rules(report)
