"""The exact dependency pins a plugin's source declares, read as data (nothing is built).

Looked for at the top of the scanned tree, first found wins: pylock.toml (PEP 751), uv.lock,
poetry.lock, Pipfile.lock, requirements.txt. Lock files yield ``name==version`` pins; a
requirements file yields its requirement lines as written (ranges are resolved by the audit,
without running anything). Lines that are options or includes are listed as not audited.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

LOCK_FILES = ("pylock.toml", "uv.lock", "poetry.lock", "Pipfile.lock", "requirements.txt")
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class Declared:
    file: str  # which file they came from
    requirements: tuple[str, ...]  # sorted, deduplicated
    ignored: tuple[str, ...]  # lines that are not requirements ('-r other.txt', URLs, ...)


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


def read_declared(root: Path) -> Declared | None:
    """The first lock or requirements file at the top of ``root``, or None."""
    for name in LOCK_FILES:
        path = root / name
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        ignored: list[str] = []
        try:
            if name == "requirements.txt":
                found, ignored = _requirements_txt(text)
            elif name == "Pipfile.lock":
                data = json.loads(text)
                found = [f"{canonicalize_name(n)}{v['version']}"
                         for n, v in sorted(data.get("default", {}).items())
                         if isinstance(v, dict) and str(v.get("version", "")).startswith("==")]
            else:
                data = tomllib.loads(text)
                key = "packages" if name == "pylock.toml" else "package"
                found = _pins(data.get(key, []), _uv_project(data) if name == "uv.lock" else set())
        except (ValueError, KeyError, TypeError, AttributeError):
            return Declared(name, (), (f"{name} could not be read",))
        return Declared(name, tuple(sorted(set(found))), tuple(ignored))
    return None
