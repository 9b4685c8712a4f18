"""Scan and audit records: the JSON kept under index/cache/, and where each one lives.

A *source record* is what scanning one source found: an envelope (``ENVELOPE``: its format, key,
settings digest, tool versions, status, fetch problem and what was fetched) and one part per
source scanner (``scanners.registry``: bandit, permissions, declared pins, quality facts); it
depends only on the source's content, the scanner versions and the registry's scan settings.
An *audit record* is what the advisory service said about one set of requirements; ``plugindex
audit`` refreshes it. Both live under ``index/cache/<plugin>/`` so that a pull request's records
sit beside nothing else's and a changed record maps to its plugin by path.

A record names what it is about (a source record its key and the tree or commit it read, an
audit record its requirements); a reader believes a record only when that matches the path it
was read from (``filed_under``, ``audits``): anything else is treated as absent.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from plugindex.fetch.source import FetchedSource
from plugindex.layout import RECORDS_DIR
from plugindex.manifests.model import Manifest
from plugindex.scanners.lockfiles import declared_requirements
from plugindex.scanners.pipaudit import AuditResult, Dropped

RECORD_FORMAT = 1
SCANNER_VERSION = "3"  # bump when what a scan records changes: every source is scanned again
# The keys of a source record that are not a scanner's part.
ENVELOPE = frozenset({"format", "key", "config", "tools", "status", "problem", "source"})


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def source_record_path(plugin: str, key: str) -> str:
    return f"{RECORDS_DIR}/{plugin}/scan-{_digest(key)}.json"


def audit_record_path(plugin: str, requirements: Sequence[str]) -> str:
    return f"{RECORDS_DIR}/{plugin}/audit-{_digest(chr(10).join(sorted(requirements)))}.json"


def dumps(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode()


def tools_of(versions: Mapping[str, str]) -> dict[str, str]:
    """A record's ``tools``: the scanners' tool versions and SCANNER_VERSION."""
    return {**versions, "scanner": SCANNER_VERSION}


def source_record(key: str, config_key: str, tools: dict[str, str], *,
                  fetched: FetchedSource | None = None, problem: tuple[str, str, bool] | None,
                  parts: Mapping[str, Any]) -> dict[str, Any]:
    """``problem``: (code, message, refused) when the source was not fetched; ``parts``: the
    source scanners' parts of the record (their ``unscanned()`` parts when it was not).
    Raises ValueError when a part would overwrite the envelope."""
    clash = ENVELOPE & parts.keys()
    if clash:
        raise ValueError(f"a scanner's part may not write the record's {sorted(clash)}")
    status = "scanned" if problem is None else ("refused" if problem[2] else "skipped")
    return {
        "format": RECORD_FORMAT,
        "key": key,
        "config": config_key,
        "tools": tools,
        "status": status,
        "problem": None if problem is None else {"code": problem[0], "message": problem[1]},
        "source": None if fetched is None else {
            "tree": fetched.tree, "commit": fetched.commit, "files": fetched.files,
            "bytes": fetched.bytes, "not_scanned": [list(s) for s in fetched.skipped]},
        **parts,
    }


def filed_under(record: dict[str, Any], key: str) -> bool:
    """Whether a source record is about the source ``key`` names: it carries that key and,
    when it was scanned, the git tree (``git-tree:`` keys) or commit (``git-commit:`` keys)
    of that key. A record that is not is treated as absent."""
    if record.get("key") != key:
        return False
    if record.get("status") != "scanned":
        return True
    source = record.get("source")
    if not isinstance(source, dict):
        return False
    kind, _, rest = key.partition(":")
    if kind == "git-tree":
        return source.get("tree") == rest
    if kind == "git-commit":
        return source.get("commit") == rest.split("/", 1)[0]
    return True


def audits(record: dict[str, Any], requirements: Sequence[str]) -> bool:
    """Whether an audit record is about exactly these requirements."""
    found = record.get("requirements")
    return isinstance(found, list) and sorted(map(str, found)) == sorted(set(requirements))


def audit_requirements(manifest: Manifest, record: dict[str, Any] | None) -> list[str]:
    """What a version's dependency audit covers: the pins its source declares in lock or
    requirements files and the manifest's ``requires.packages``, together (sorted, once
    each). A lock file cannot stand in for the manifest, nor the manifest for a lock file."""
    return sorted({*declared_requirements(record), *manifest.requires_packages})


def audit_record(requirements: Sequence[str], result: AuditResult | None, *, since: str,
                 service: str, problem: str | None = None) -> dict[str, Any]:
    return {
        "format": RECORD_FORMAT,
        "requirements": sorted(requirements),
        "since": since,
        "service": service,
        "tool": result.tool if result else None,
        "status": "audited" if problem is None else "skipped",
        "problem": problem,
        "packages": [] if result is None else [
            {"requirement": p.requirement, "name": p.name, "version": p.version,
             "resolved": p.resolved, "advisories": [a.as_json() for a in p.advisories]}
            for p in result.packages],
        "skips": [] if result is None else [list(s) for s in result.skips],
    }


def dropped_advisories(old: dict[str, Any], new: dict[str, Any]) -> list[Dropped]:
    """The advisories ``old`` lists for a requirement's version that ``new`` does not list for
    it: the requirement is missing from ``new``'s packages (skipped) or audited at the same
    version without them. A range that now resolves to another version drops nothing."""
    now: dict[str, tuple[str, set[str]]] = {
        p["requirement"]: (p["version"], {a["id"] for a in p["advisories"]})
        for p in new.get("packages", [])}
    dropped = []
    for p in old.get("packages", []):
        version, ids = now.get(p["requirement"], (p["version"], set()))
        if version != p["version"]:
            continue
        dropped += [Dropped(a["id"], p["name"], p["version"]) for a in p["advisories"]
                    if a["id"] not in ids]
    return sorted(dropped)


def same_audit(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal but for the date: an unchanged result keeps its date (and its file's bytes)."""
    return {k: v for k, v in a.items() if k != "since"} == {
        k: v for k, v in b.items() if k != "since"}


MAX_RECORD_BYTES = 2 * 1024 * 1024
_RECORD_PATH = re.compile(
    r"^([a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)/(scan|audit)-[0-9a-f]{24}\.json$")


def record_problem(rel: str, data: bytes) -> str | None:
    """Why ``data`` cannot be the record at ``rel`` (a path under index/cache/), or None.

    A record handed over from another job (a scan shard, the scan job of the publish) is only
    taken when it is the record its path names: a source record whose key digests to its file
    name, an audit record whose requirements do; well-formed JSON, under a size cap."""
    found = _RECORD_PATH.match(rel)
    if found is None:
        return "not a record path (<plugin>/scan-<digest>.json or audit-<digest>.json)"
    if len(data) > MAX_RECORD_BYTES:
        return f"larger than {MAX_RECORD_BYTES} bytes"
    try:
        record = json.loads(data)
    except ValueError:
        return "not JSON"
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        return f"not a record of format {RECORD_FORMAT}"
    plugin, kind = found.group(1), found.group(2)
    if kind == "scan":
        key = record.get("key")
        if not isinstance(key, str) or source_record_path(plugin, key) != f"{RECORDS_DIR}/{rel}":
            return "its key is not the one its file name digests"
    else:
        requirements = record.get("requirements")
        if not isinstance(requirements, list) or not all(isinstance(r, str)
                                                         for r in requirements) or \
                audit_record_path(plugin, requirements) != f"{RECORDS_DIR}/{rel}":
            return "its requirements are not the ones its file name digests"
    if dumps(record) != data:
        return "not in the canonical form records are written in"
    return None
