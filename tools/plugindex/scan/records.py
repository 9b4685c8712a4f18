"""Scan and audit records: the JSON kept under index/cache/, and where each one lives.

A *source record* is what scanning one source found (bandit, permissions, declared pins); it
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
from collections.abc import Sequence
from typing import Any

from plugindex.fetch.source import FetchedSource
from plugindex.layout import RECORDS_DIR
from plugindex.manifests.model import Manifest
from plugindex.scanners.bandit import BanditResult
from plugindex.scanners.lockfiles import Declared
from plugindex.scanners.permissions import Evidence
from plugindex.scanners.pipaudit import AuditResult, Dropped

RECORD_FORMAT = 1
SCANNER_VERSION = "3"  # bump when what a scan records changes: every source is scanned again


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def source_record_path(plugin: str, key: str) -> str:
    return f"{RECORDS_DIR}/{plugin}/scan-{_digest(key)}.json"


def audit_record_path(plugin: str, requirements: Sequence[str]) -> str:
    return f"{RECORDS_DIR}/{plugin}/audit-{_digest(chr(10).join(sorted(requirements)))}.json"


def dumps(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode()


def tools_of(bandit_version: str) -> dict[str, str]:
    return {"bandit": bandit_version, "scanner": SCANNER_VERSION}


def source_record(key: str, config_key: str, tools: dict[str, str], *,
                  fetched: FetchedSource | None = None, problem: tuple[str, str, bool] | None,
                  bandit: BanditResult | None = None, bandit_problem: str | None = None,
                  permissions: dict[str, list[Evidence]] | None = None,
                  permission_skips: Sequence[tuple[str, str]] = (),
                  declared: Declared | None = None,
                  facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """``problem``: (code, message, refused) when the source was not fetched;
    ``permission_skips``: (file, reason) the permission detector could not analyse;
    ``facts``: what the quality score needs of the source tree (``sourcefacts``) and its
    commit dates."""
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
        "bandit": None if bandit is None else {
            "findings": [f.as_json() for f in bandit.findings],
            "suppressed": [f.as_json() for f in bandit.suppressed],
            "nosec_comments": bandit.nosec_comments,
            "errors": [list(e) for e in bandit.errors],
            "files": bandit.files, "lines": bandit.lines},
        "bandit_problem": bandit_problem,
        "permissions": {use: [{"file": e.file, "line": e.line, "construct": e.construct}
                              for e in found]
                        for use, found in sorted((permissions or {}).items())},
        "permission_skips": [list(s) for s in sorted(permission_skips)],
        "declared": None if declared is None else {
            "files": list(declared.files), "requirements": list(declared.requirements),
            "ignored": list(declared.ignored),
            "problems": [list(p) for p in declared.problems]},
        "facts": facts,
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
    declared = (record or {}).get("declared") or {}
    found = declared.get("requirements", []) if isinstance(declared, dict) else []
    return sorted({*map(str, found), *manifest.requires_packages})


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
