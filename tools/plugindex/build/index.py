"""Rendering the published index: pure functions from manifests and git facts to bytes.

Bytes are deterministic: keys sorted, entries sorted, times from git, UTF-8, '\\n' line ends.
``index.json`` puts one plugin per line and ``plugins/<name>.json`` one version per line, so
that a diff shows which plugins and versions changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from plugindex.build.install_line import install_line
from plugindex.build.outputs import Fields, Input, declared_inputs
from plugindex.build.safety import safety
from plugindex.config.registry import RegistryConfig, Term
from plugindex.layout import INDEX_FORMAT
from plugindex.manifests.model import Manifest
from plugindex.resolve.installability import Installability, RequirementCheck, pick_latest
from plugindex.scan.judge import Judgement
from plugindex.score.model import Score
from plugindex.score.versions import iso_day

INDEX_SCHEMA = "index.v1.schema.json"


@dataclass(frozen=True)
class Published:
    """One manifest as it stands in the tree, with what git says about it."""

    path: str
    blob: str
    manifest: Manifest
    published: str
    updated: str
    source_digest: str
    published_commit: str = ""  # the commit that added the manifest (in-repo sources' pin)


@dataclass(frozen=True)
class RenderedPlugin:
    name: str
    entry: str  # the plugin's line in index.json
    file: bytes  # plugins/<name>.json
    # the objects serialized as ``entry`` and ``file`` (for the contract check)
    summary: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    detail: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def latest_of(versions: Sequence[Published]) -> Published:
    return pick_latest(versions, lambda p: p.manifest.parsed_version,
                       lambda p: p.manifest.yanked is not None)


def _deprecation(m: Manifest) -> dict[str, Any] | None:
    if m.deprecated is None:
        return None
    return {"reason": m.deprecated.reason, "replacement": m.deprecated.replacement}


def scan_json(judgement: Judgement) -> dict[str, Any]:
    return {"summary": dict(judgement.summary),
            "items": [i.as_json() for i in judgement.items]}


def scan_brief(judgement: Judgement) -> dict[str, Any]:
    s = judgement.summary
    return {"verdict": judgement.verdict, "findings": s.get("findings"),
            "advisories": s.get("advisories")}


def score_json(score: Score) -> dict[str, Any]:
    """A score and the day it is dated by (the start of the span over which it holds)."""
    return {**score.as_json(), "as_of": iso_day(score.as_of)}


# What each field of a plugin's file and of its index entry is made from (see outputs.py):
# the build re-renders a plugin when the value of any input declared here changes, so a new
# field is declared here too (a test fails until it is).
_NAME, _MANIFESTS, _TIMES, _SOURCES = Input.NAME, Input.MANIFESTS, Input.TIMES, Input.SOURCES
_DEPENDENCIES, _RECORDS, _SCORE_DATE = Input.DEPENDENCIES, Input.RECORDS, Input.SCORE_DATE
_VOUCHERS, _REGISTRY, _TOOL = Input.VOUCHERS, Input.REGISTRY, Input.TOOL
_INSTALL = (_NAME, _DEPENDENCIES, _REGISTRY)  # the resolution of the latest version
_SCAN = (_MANIFESTS, _SOURCES, _RECORDS, _REGISTRY)  # the records judged by the scan policy
_SCORE = (_NAME, _MANIFESTS, _TIMES, _SOURCES, _DEPENDENCIES, _RECORDS, _REGISTRY, _SCORE_DATE)

PLUGIN_FILE_FIELDS: Fields = {
    "schema_version": (_TOOL,),
    "format_version": (_TOOL,),
    "name": (_NAME,),
    "latest": (_MANIFESTS,),
    "published": (_TIMES,),
    "updated": (_TIMES,),
    "versions": (_MANIFESTS,),
    "versions[].version": (_MANIFESTS,),
    "versions[].published": (_TIMES,),
    "versions[].updated": (_TIMES,),
    "versions[].yanked": (_MANIFESTS,),
    "versions[].deprecated": (_MANIFESTS,),
    "versions[].prerelease": (_MANIFESTS,),
    "versions[].manifest_path": (_MANIFESTS,),
    "versions[].manifest_blob": (_MANIFESTS,),
    "versions[].source": (_TOOL,),
    "versions[].source.kind": (_MANIFESTS,),
    "versions[].source.location": (_MANIFESTS,),
    "versions[].source.pin": (_MANIFESTS, _TIMES),
    "versions[].source.tag": (_MANIFESTS,),
    "versions[].source.subdirectory": (_MANIFESTS,),
    "versions[].source.digest": (_SOURCES,),
    "versions[].manifest": (_MANIFESTS,),
    "versions[].requirements": (_MANIFESTS, _DEPENDENCIES, _REGISTRY),
    "versions[].scan": _SCAN,
    "versions[].score": _SCORE,
    "versions[].pip": (_MANIFESTS, _TIMES, _REGISTRY),
    "versions[].safety": (_TOOL,),
    "versions[].safety.state": _SCAN,
    "versions[].safety.reason": _SCAN,
    "versions[].safety.score_known": _SCAN,
    "versions[].safety.yanked": (_MANIFESTS,),
    "versions[].safety.deprecated": (_MANIFESTS,),
    "install": _INSTALL,
}

INDEX_ENTRY_FIELDS: Fields = {
    "name": (_NAME,),
    "latest": (_MANIFESTS,),
    "summary": (_MANIFESTS,),
    "category": (_MANIFESTS,),
    "tags": (_MANIFESTS,),
    "capabilities": (_MANIFESTS,),
    "permissions": (_MANIFESTS,),
    "maintainers": (_MANIFESTS,),
    "license": (_MANIFESTS,),
    "host": (_MANIFESTS,),
    "urls": (_MANIFESTS,),
    "icon": (_MANIFESTS,),
    "deprecated": (_MANIFESTS,),
    "versions": (_MANIFESTS,),
    "versions[].version": (_MANIFESTS,),
    "versions[].published": (_TIMES,),
    "versions[].yanked": (_MANIFESTS,),
    "versions[].prerelease": (_MANIFESTS,),
    "versions[].host": (_MANIFESTS,),
    "versions[].requires": (_MANIFESTS,),
    "versions[].conflicts": (_MANIFESTS,),
    "versions[].deprecated": (_MANIFESTS,),
    "install": _INSTALL,
    "source_digest": (_MANIFESTS, _SOURCES),
    "scan": _SCAN,
    "score": _SCORE,
    "safety": (_TOOL,),
    "safety.state": _SCAN,
    "safety.reason": _SCAN,
    "safety.score_known": _SCAN,
    "safety.yanked": (_MANIFESTS,),
    "safety.deprecated": (_MANIFESTS,),
    "badges": (_TOOL,),
    "badges.verified": (_MANIFESTS, _VOUCHERS, _REGISTRY),
    "badges.verified_maintainers": (_MANIFESTS, _VOUCHERS, _REGISTRY),
    "badges.featured": (_NAME, _REGISTRY),
    "badges.tier": _SCORE,
    "published": (_TIMES,),
    "updated": (_TIMES,),
    "file": (_NAME,),
    "sha256": tuple(sorted(declared_inputs(PLUGIN_FILE_FIELDS))),
}

PLUGIN_INPUTS = declared_inputs(PLUGIN_FILE_FIELDS, INDEX_ENTRY_FIELDS)


def render_plugin(name: str, versions: Sequence[Published],
                  checks: Mapping[str, RequirementCheck], install: Installability,
                  scans: Mapping[str, Judgement], scores: Mapping[str, Score],
                  badges: Mapping[str, Any], repository: str = ""
                  ) -> RenderedPlugin:
    """The plugin's file and index entry; ``checks`` maps each version to its requirement
    check, ``install`` is the full resolution of the latest version, ``scans`` maps each
    version to the judgement of its scan and audit records, ``scores`` to its quality score
    (each dated by its ``as_of``); ``badges`` are the plugin's; ``repository`` is the
    registry's (in-repository sources install from it). Each field is declared
    with its inputs in ``PLUGIN_FILE_FIELDS`` or ``INDEX_ENTRY_FIELDS`` above."""
    newest_first = sorted(versions, key=lambda p: p.manifest.parsed_version, reverse=True)
    latest = latest_of(versions)
    m = latest.manifest
    if install.version != m.version:
        raise ValueError(f"{name}: resolved {install.version}, but the latest is {m.version}")
    published = min(p.published for p in versions)
    updated = max(p.updated for p in versions)

    def safe(p: Published) -> dict[str, Any]:
        return safety(scans[p.manifest.version], p.manifest.yanked,
                      _deprecation(p.manifest) or _deprecation(m))
    detail = {
        "schema_version": 1,
        "format_version": INDEX_FORMAT,
        "name": name,
        "latest": m.version,
        "published": published,
        "updated": updated,
        "versions": [
            {
                "version": p.manifest.version,
                "published": p.published,
                "updated": p.updated,
                "yanked": p.manifest.yanked,
                "deprecated": _deprecation(p.manifest),
                "prerelease": p.manifest.parsed_version.is_prerelease,
                "manifest_path": p.path,
                "manifest_blob": p.blob,
                "source": {
                    "kind": p.manifest.source.kind,
                    "location": p.manifest.source.location,
                    # a path source is pinned by the commit that published it
                    "pin": p.published_commit if p.manifest.source.kind == "path"
                    else p.manifest.source.pin,
                    "tag": p.manifest.source.tag,
                    "subdirectory": p.manifest.source.subdirectory,
                    "digest": p.source_digest,
                },
                "manifest": p.manifest.data,
                "requirements": checks[p.manifest.version].as_json(),
                "scan": scan_json(scans[p.manifest.version]),
                "score": score_json(scores[p.manifest.version]),
                "safety": safe(p),
                "pip": install_line(p.manifest.source, repository, p.published_commit),
            }
            for p in newest_first
        ],
        "install": install.as_json(),
    }
    file = _one_per_line(detail, "versions").encode("utf-8")
    summary = {
        "name": name,
        "latest": m.version,
        "summary": m.summary,
        "category": m.category,
        "tags": list(m.tags),
        "capabilities": list(m.capabilities),
        "permissions": list(m.permissions),
        "maintainers": [x.github for x in m.maintainers],
        "license": m.license,
        "host": m.host,
        "urls": m.urls,
        "icon": m.data.get("icon"),
        "deprecated": _deprecation(m),
        "versions": [
            {
                "version": p.manifest.version,
                "published": p.published,
                "yanked": p.manifest.yanked is not None,
                "prerelease": p.manifest.parsed_version.is_prerelease,
                "host": p.manifest.host,
                # what a resolving client needs, without fetching the plugin's file
                "requires": dict(sorted(
                    p.manifest.data.get("requires", {}).get("plugins", {}).items())),
                "conflicts": dict(sorted(p.manifest.data.get("conflicts", {}).items())),
                "deprecated": "deprecated" in p.manifest.data,
            }
            for p in newest_first
        ],
        "install": {"status": install.status, "version": install.version,
                    "host": install.host, "plugins": len(install.plan)},
        "source_digest": latest.source_digest,
        "scan": scan_brief(scans[m.version]),
        "score": {"total": scores[m.version].total, "tier": scores[m.version].tier},
        "safety": safe(latest),
        "badges": dict(badges),
        "published": published,
        "updated": updated,
        "file": f"plugins/{name}.json",
        "sha256": sha256(file),
    }
    return RenderedPlugin(name, dumps(summary), file, summary, detail)


def _one_per_line(document: dict[str, Any], list_key: str) -> str:
    """Compact JSON with sorted keys, one top-level key per line and one item of ``list_key``
    per line: fast to write (the C encoder), and a diff shows which items changed."""
    parts = [f"{dumps(k)}: {dumps(v)}" for k, v in document.items() if k != list_key]
    items = document[list_key]
    body = "[\n" + ",\n".join(dumps(item) for item in items) + "\n]" if items else "[]"
    parts.append(f"{dumps(list_key)}: {body}")
    return "{\n" + ",\n".join(sorted(parts)) + "\n}\n"


def _terms(terms: Sequence[Term]) -> list[dict[str, str]]:
    return [{"id": t.id, "title": t.title, "description": t.description} for t in terms]


def index_header(
    registry: RegistryConfig, plugin_count: int, version_count: int, updated: str | None
) -> dict[str, Any]:
    """Everything in index.json but the plugins."""
    return {
        "schema_version": 1,
        "format_version": INDEX_FORMAT,
        "registry": {
            "name": registry.name,
            "description": registry.description,
            "repository": registry.repository,
            "host": {"name": registry.host_name, "versions": list(registry.host_versions)},
            "categories": _terms(registry.categories),
            "capabilities": _terms(registry.capabilities),
            "permissions": _terms(registry.permissions),
        },
        "updated": updated,
        "counts": {"plugins": plugin_count, "versions": version_count},
    }


def render_index(header: dict[str, Any], entries: Sequence[str]) -> bytes:
    """index.json from its header and the plugins' entry lines (already sorted by name)."""
    parts = [f"{dumps(key)}: {dumps(value)}" for key, value in header.items()]
    plugins = "[\n" + ",\n".join(entries) + "\n]" if entries else "[]"
    parts.append(f'"plugins": {plugins}')
    return ("{\n" + ",\n".join(sorted(parts)) + "\n}\n").encode("utf-8")
