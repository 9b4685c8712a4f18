"""plugindex release-pr: a plugin's release opens its own version-bump pull request against
the registry (run by the plugin repository's release workflow; see the README).

Clones the registry, writes the next version's manifest with ``plugindex new --bump``'s
logic (pinned to the released commit, or to an archive and its sha256), validates it, pushes
a branch and opens the pull request through the GitHub API.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import tempfile
from pathlib import Path

from plugindex.adapters import proc
from plugindex.adapters.fsutil import write_atomic
from plugindex.adapters.github import API_URL, open_pull
from plugindex.commands.new import latest_manifest
from plugindex.config.registry import load_registry
from plugindex.errors import EnvironmentProblem, UsageError
from plugindex.manifests.scaffold import bump, render
from plugindex.validate.validator import ManifestValidator

# The identity release commits are made under (a bot: reputation credits the On-behalf-of
# person instead; README, Contributor reputation).
RELEASE_BOT = ("plugindex-release[bot]", "plugindex-release[bot]@users.noreply.github.com")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--registry", required=True, metavar="GIT_URL",
                   help="the registry's git URL to clone")
    p.add_argument("--push-url", metavar="GIT_URL",
                   help="where to push the branch (default: --registry; a fork works too)")
    p.add_argument("--repository", required=True, metavar="OWNER/NAME",
                   help="the registry on GitHub, where the pull request is opened")
    p.add_argument("--head-owner", metavar="LOGIN",
                   help="with a fork: its owner (the pull request's head is LOGIN:branch)")
    p.add_argument("--base", default="main", help="the registry's branch (default: main)")
    p.add_argument("--plugin", required=True, metavar="NAME")
    p.add_argument("--version", required=True)
    p.add_argument("--commit", help="the released commit (40 hex)")
    p.add_argument("--tag")
    p.add_argument("--archive", metavar="URL", help="an archive source instead of a commit")
    p.add_argument("--archive-file", type=Path, metavar="FILE",
                   help="with --archive: the archive itself, to compute its sha256")
    p.add_argument("--api-url", default=API_URL)
    p.add_argument("--on-behalf-of", metavar="LOGIN", default=os.environ.get("GITHUB_ACTOR"),
                   help="who released (default: $GITHUB_ACTOR): the commit is the release "
                        "bot's, with an On-behalf-of trailer that credits them")


GIT_SECONDS = 600.0  # one clone, commit or push


def _git(cwd: Path, *args: str) -> str:
    """git in the author's own environment (their credentials push the branch), never
    prompting, with a timeout."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    try:
        return proc.run(["git", *args], cwd=cwd, env=env, timeout=GIT_SECONDS).stdout_text
    except proc.ProcessFailed as exc:
        raise EnvironmentProblem(f"git {args[0]} failed: {exc.tail or exc}") from None


def run(args: argparse.Namespace) -> int:
    if bool(args.commit) == bool(args.archive):
        raise UsageError("give --commit, or --archive with --archive-file")
    sha256 = None
    if args.archive:
        if args.archive_file is None:
            raise UsageError("--archive needs --archive-file (to compute its sha256)")
        sha256 = hashlib.sha256(args.archive_file.read_bytes()).hexdigest()
    with tempfile.TemporaryDirectory(prefix="plugindex-release-") as tmp:
        clone = Path(tmp) / "registry"
        _git(Path(tmp), "clone", "-q", "--branch", args.base, args.registry, str(clone))
        latest = latest_manifest(clone, args.plugin)
        manifest = bump(latest, args.version, args.commit, args.tag, args.archive, sha256)
        rel = f"submissions/{args.plugin}/{args.version}.yaml"
        if (clone / rel).exists():
            raise UsageError(f"{rel} already exists in the registry")
        text = render(manifest)
        problems = ManifestValidator(load_registry(clone)).check(rel, text.encode()).diagnostics
        if any(d.severity.value == "error" for d in problems):
            raise UsageError(f"the manifest for {args.plugin} {args.version} is not valid: "
                             + "; ".join(f"{d.rule} {d.message}" for d in problems[:5]))
        write_atomic(clone / rel, text.encode())
        branch = f"release/{args.plugin}-{args.version}"
        _git(clone, "checkout", "-q", "-b", branch)
        _git(clone, "add", rel)
        message = f"{args.plugin} {args.version}"
        if args.on_behalf_of:
            if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})", args.on_behalf_of):
                raise UsageError(f"'{args.on_behalf_of}' is not a GitHub login")
            login = args.on_behalf_of
            message += f"\n\nOn-behalf-of: {login} <{login}@users.noreply.github.com>"
        _git(clone, "-c", f"user.name={RELEASE_BOT[0]}", "-c", f"user.email={RELEASE_BOT[1]}",
             "commit", "-q", "-m", message)
        _git(clone, "push", "-q", args.push_url or args.registry, f"HEAD:refs/heads/{branch}")
    head = f"{args.head_owner}:{branch}" if args.head_owner else branch
    number = open_pull(args.repository, head, args.base, f"{args.plugin} {args.version}",
                       f"Release {args.version} of {args.plugin}"
                       + (f" (tag {args.tag})" if args.tag else "")
                       + ", opened by plugindex release-pr.", os.environ.get("GITHUB_TOKEN"),
                       args.api_url)
    print(f"opened #{number}: {args.plugin} {args.version}")
    return 0
