"""The exact dependency pins a plugin's source declares, read as data (nothing is built).

Looked for at the top of the scanned tree, every one present is read: pylock.toml (PEP 751),
uv.lock, poetry.lock, Pipfile.lock, requirements.txt. Lock files yield ``name==version`` pins; a
requirements file yields its requirement lines as written (ranges are resolved by the audit,
without running anything). Lines that are options or includes are listed as not audited.
A file that is present but cannot be read (not a regular file, over the size cap, not UTF-8,
not parseable) or that yields no requirement at all is a *problem*: the scan reports it as a
scan error, never as "nothing to audit".

:class:`LockfileScanner` is its source scanner (``scanners.base``): the record's ``declared``,
whose requirements the dependency audit covers (``declared_requirements``) and whose problems
are judged into ``scan-error`` items.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from plugindex.config.scan import ScanConfig
from plugindex.manifests.model import Manifest
from plugindex.scanners.base import Item, RecordPart, SealedTree

LOCK_FILES = ("pylock.toml", "uv.lock", "poetry.lock", "Pipfile.lock", "requirements.txt")
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Declared:
    files: tuple[str, ...]  # the lock and requirements files present, in LOCK_FILES order
    requirements: tuple[str, ...]  # of all of them: sorted, deduplicated
    ignored: tuple[str, ...]  # lines that are not requirements ('-r other.txt', URLs, ...)
    problems: tuple[tuple[str, str], ...] = ()  # (file, why it yielded nothing to audit)


def _pins(packages: list[Any], skip: set[str]) -> list[str]:
    pins = []
    for p in packages:
        if isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(
                p.get("version"), str) and canonicalize_name(p["name"]) not in skip:
            pins.append(f"{canonicalize_name(p['name'])}=={p['version']}")
    return pins


def _uv_project(data: dict[str, Any]) -> set[str]:
    """The lock's own project (its source is the checkout itself), not a dependency."""
    own: set[str] = set()
    for p in data.get("package", []):
        source = p.get("source", {}) if isinstance(p, dict) else {}
        if isinstance(source, dict) and ({"editable", "virtual"} & source.keys()
                                         or source.get("directory") == "."):
            own.add(canonicalize_name(str(p.get("name", ""))))
    return own


def _requirements_txt(text: str) -> tuple[list[str], list[str]]:
    found, ignored = [], []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-") or "://" in line:
            ignored.append(line)
            continue
        line = line.split(" --hash", 1)[0].rstrip(" \\")
        try:
            req = Requirement(line)
        except InvalidRequirement:
            ignored.append(line)
            continue
        found.append(str(req))
    return found, ignored


def _parse(name: str, text: str) -> tuple[list[str], list[str]]:
    """(requirements, ignored lines) of one file. Raises ValueError, KeyError, TypeError or
    AttributeError when it is not what its name says."""
    if name == "requirements.txt":
        return _requirements_txt(text)
    if name == "Pipfile.lock":
        data = json.loads(text)
        return [f"{canonicalize_name(n)}{v['version']}"
                for n, v in sorted(data.get("default", {}).items())
                if isinstance(v, dict) and str(v.get("version", "")).startswith("==")], []
    data = tomllib.loads(text)
    key = "packages" if name == "pylock.toml" else "package"
    return _pins(data.get(key, []), _uv_project(data) if name == "uv.lock" else set()), []


def read_file(path: Path) -> tuple[list[str], list[str], str | None]:
    """(requirements, ignored lines, problem or None) of one lock or requirements file."""
    name = path.name
    if not path.is_file() or path.is_symlink():
        return [], [], f"{name} is not a regular file: it was not read"
    try:
        if path.stat().st_size > MAX_BYTES:
            return [], [], f"{name} is larger than {MAX_BYTES} bytes: it was not read"
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        return [], [], f"{name} could not be read: {exc.strerror or exc}"
    except UnicodeDecodeError as exc:
        return [], [], f"{name} is not UTF-8 (byte {exc.start}): it was not read"
    try:
        found, ignored = _parse(name, text)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        reason = " ".join(str(exc).split())[:200]
        return [], [], f"{name} could not be parsed: {reason}"
    if not found:
        return [], ignored, f"{name} lists no requirement that can be audited"
    return found, ignored, None


def read_declared(root: Path) -> Declared | None:
    """Every lock or requirements file at the top of ``root``, together; None if there is none."""
    files: list[str] = []
    found: set[str] = set()
    ignored: list[str] = []
    problems: list[tuple[str, str]] = []
    for name in LOCK_FILES:
        path = root / name
        if not (path.exists() or path.is_symlink()):
            continue
        files.append(name)
        requirements, not_read, problem = read_file(path)
        found.update(requirements)
        ignored += not_read
        if problem is not None:
            problems.append((name, problem))
    if not files:
        return None
    return Declared(tuple(files), tuple(sorted(found)), tuple(ignored), tuple(problems))


def declared_requirements(record: Mapping[str, Any] | None) -> list[str]:
    """The requirements a source record's ``declared`` part lists ([] when there is none)."""
    declared = (record or {}).get("declared") or {}
    found = declared.get("requirements", []) if isinstance(declared, dict) else []
    return [str(r) for r in found]


class LockfileScanner:
    """The declared pins as a source scanner: the record's ``declared``."""

    name = "lockfiles"

    def tools(self) -> Mapping[str, str]:
        return {}  # versioned by the record's SCANNER_VERSION

    def scan(self, tree: SealedTree, config: ScanConfig) -> RecordPart:
        declared = read_declared(tree.root)
        return {"declared": None if declared is None else {
            "files": list(declared.files), "requirements": list(declared.requirements),
            "ignored": list(declared.ignored),
            "problems": [list(p) for p in declared.problems]}}

    def unscanned(self) -> RecordPart:
        return {"declared": None}

    def items(self, part: Mapping[str, Any], manifest: Manifest, config: ScanConfig
              ) -> list[Item]:
        """A lock or requirements file that yields nothing to audit is a scan error (PI073)."""
        return [Item("scan-error", "lock-file", file, config.policy.scan_errors,
                     f"the dependency audit cannot use this file: {reason}", rule="PI073")
                for file, reason in (part.get("declared") or {}).get("problems", [])]

    def summary(self, part: Mapping[str, Any], items: Sequence[Item], config: ScanConfig
                ) -> dict[str, Any]:
        return {}
