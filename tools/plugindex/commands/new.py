"""plugindex new: write a plugin's manifest from its pyproject.toml and git checkout, asking
(in a terminal) only for what cannot be inferred; or, with --bump, the next version's manifest
from the latest published one. The result is validated like any submission."""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from plugindex.adapters.fsutil import write_atomic
from plugindex.adapters.gitrepo import checkout_facts
from plugindex.config.registry import RegistryConfig, load_registry
from plugindex.errors import UsageError
from plugindex.layout import find_root
from plugindex.manifests.scaffold import Answers, GitFacts, bump, draft, render
from plugindex.manifests.yamlsafe import load
from plugindex.report import render as render_problems
from plugindex.validate.validator import ManifestValidator

ASKED = ("category", "capabilities", "permissions", "host", "maintainers")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="source", type=Path, default=Path("."), metavar="DIR",
                   help="the plugin's checkout, with its pyproject.toml (default: .)")
    p.add_argument("--output", type=Path, metavar="PATH",
                   help="where to write (default: submissions/<name>/<version>.yaml)")
    p.add_argument("--category")
    p.add_argument("--capability", action="append", default=[], metavar="ID")
    p.add_argument("--permission", action="append", default=[], metavar="ID")
    p.add_argument("--host", metavar="RANGE", help='supported host versions, e.g. ">=2.0,<3"')
    p.add_argument("--maintainer", action="append", default=[], metavar="LOGIN")
    p.add_argument("--bump", nargs=2, metavar=("VERSION", "NAME"),
                   help="write NAME's next version from its latest manifest")
    p.add_argument("--commit", help="with --bump: the new version's source commit")
    p.add_argument("--tag", help="with --bump: the new version's tag (informative)")
    p.add_argument("--archive", metavar="URL", help="with --bump: an archive source instead")
    p.add_argument("--sha256", help="with --archive: the archive's sha256")
    p.add_argument("--same-source", action="store_true",
                   help="with --bump: keep the latest version's git commit or archive (refused "
                        "without it: a new version normally has new code)")


def _ask(question: str, choices: list[str], many: bool) -> list[str]:
    hint = f" [{', '.join(choices)}]" if choices else ""
    answer = input(f"{question}{hint}: ").strip()
    values = [v.strip() for v in answer.replace(",", " ").split()] if many else (
        [answer] if answer else [])
    return [v for v in values if v]


def _answers(args: argparse.Namespace, registry: RegistryConfig, interactive: bool) -> Answers:
    category = args.category
    capabilities, permissions = list(args.capability), list(args.permission)
    host, maintainers = args.host, list(args.maintainer)
    if interactive:
        if not category:
            category = next(iter(_ask("category", sorted(registry.category_ids), False)), None)
        if not capabilities:
            capabilities = _ask("capabilities (space-separated)",
                                [t.id for t in registry.capabilities], True)
        if not permissions:
            permissions = _ask("permissions it needs (space-separated, or none)",
                               [t.id for t in registry.permissions], True)
        if not host:
            host = next(iter(_ask(f"supported {registry.host_name} versions, e.g. "
                                  f"'>={registry.host_versions[-1]}'", [], False)), None)
        if not maintainers:
            maintainers = _ask("maintainers' GitHub logins (space-separated)", [], True)
    return Answers(category, tuple(capabilities), tuple(permissions), host, tuple(maintainers))


def latest_manifest(root: Path, name: str) -> dict[str, Any]:
    def key(p: Path) -> Version:
        try:
            return Version(p.stem)
        except InvalidVersion:
            return Version("0")

    files = sorted((root / "submissions" / name).glob("*.yaml"), key=key)
    if not files:
        raise UsageError(f"there is no submissions/{name}/ to bump")
    document = load(files[-1].read_bytes(), str(files[-1])).document
    if document is None or not isinstance(document.data, dict):
        raise UsageError(f"{files[-1]} is not a readable manifest")
    data: dict[str, Any] = document.data
    return data


def run(args: argparse.Namespace) -> int:
    root = find_root(args.root)
    registry = load_registry(root)
    if args.bump:
        version, name = args.bump
        manifest = bump(latest_manifest(root, name), version, args.commit, args.tag, args.archive,
                        args.sha256, args.same_source)
        unfilled: list[str] = []
    else:
        pyproject_path = args.source / "pyproject.toml"
        try:
            pyproject = tomllib.loads(pyproject_path.read_text(encoding="utf-8"))
        except OSError:
            pyproject = {}
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{pyproject_path} is not valid TOML: {exc}") from exc
        answers = _answers(args, registry, sys.stdin.isatty())
        manifest = draft(pyproject, GitFacts(*checkout_facts(args.source)), answers).manifest
        unfilled = [k for k in ("name", "version", "summary", "license", "source", *ASKED)
                    if k not in manifest]
    if not isinstance(manifest.get("name"), str) or not isinstance(manifest.get("version"), str):
        raise UsageError("the plugin's name and version are unknown: add them to "
                         "pyproject.toml's [project], or use --output with a manifest to edit")
    rel = f"submissions/{manifest['name']}/{manifest['version']}.yaml"
    output = args.output or root / rel
    if output.exists():
        raise UsageError(f"{output} exists: a published version is never rewritten")
    text = render(manifest, unfilled)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(output, text.encode())
    print(f"wrote {output}")
    problems = ManifestValidator(registry).check(rel, text.encode()).diagnostics
    if problems:
        print(render_problems(list(problems), "text", 1))
        return 1
    return 0
