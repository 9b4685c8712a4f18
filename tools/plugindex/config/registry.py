"""registry.yaml: the registry's own settings, loaded strictly and validated by its schema."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
from packaging.version import Version

from plugindex.config.reputation import ReputationConfig, parse_reputation
from plugindex.config.scan import ScanConfig, parse_scan
from plugindex.config.score import ScoreConfig, default_config, parse_score
from plugindex.diagnostics import has_errors, pointer
from plugindex.errors import ConfigError
from plugindex.layout import DEFAULT_PATH_SOURCE_ROOTS, REGISTRY_FILE, protected
from plugindex.manifests.schema import ResultStore, SchemaChecker
from plugindex.manifests.yamlsafe import Limits, load
from plugindex.rules import diagnostic

REGISTRY_SCHEMA = "registry.v1.schema.json"
DEFAULT_RESOLUTION_SECONDS = 5.0
DEFAULT_SHRINK = 0.05  # the share of plugins or versions one publication may drop
_REGISTRY_LIMITS = Limits(max_bytes=1024 * 1024, max_depth=10, max_nodes=50000)


@dataclass(frozen=True)
class Term:
    """One entry of a registry vocabulary (category, capability, permission)."""

    id: str
    title: str
    description: str


@dataclass(frozen=True)
class RegistryConfig:
    name: str
    description: str
    repository: str | None
    host_name: str
    host_versions: tuple[str, ...]
    categories: tuple[Term, ...]
    capabilities: tuple[Term, ...]
    permissions: tuple[Term, ...]
    licenses: frozenset[str]
    source_hosts: frozenset[str]
    admins: tuple[str, ...]
    limits: Limits
    max_plugin_requirements: int
    max_package_requirements: int
    resolution_seconds: float  # time budget of each full resolution during a build
    scan: ScanConfig
    digest: str
    raw: Mapping[str, Any]
    score: ScoreConfig = field(default_factory=default_config)
    publish_shrink: float = DEFAULT_SHRINK  # (build/guard.py)
    verified_publishers: frozenset[str] = frozenset()
    path_source_roots: tuple[str, ...] = DEFAULT_PATH_SOURCE_ROOTS
    featured: frozenset[str] = frozenset()
    reputation: ReputationConfig = field(default_factory=ReputationConfig)
    lines: Mapping[str, int] = field(default_factory=dict)  # JSON pointer -> line in the file

    def line_of(self, ptr: str) -> int:
        return self.lines.get(ptr, 1)

    @property
    def category_ids(self) -> frozenset[str]:
        return frozenset(t.id for t in self.categories)

    @property
    def capability_ids(self) -> frozenset[str]:
        return frozenset(t.id for t in self.capabilities)

    @property
    def permission_ids(self) -> frozenset[str]:
        return frozenset(t.id for t in self.permissions)

    @functools.cached_property
    def parsed_host_versions(self) -> tuple[Version, ...]:
        return tuple(Version(v) for v in self.host_versions)


def _terms(entries: list[dict[str, str]]) -> tuple[Term, ...]:
    return tuple(
        Term(e["id"], e.get("title", e["id"]), e.get("description", "")) for e in entries
    )


def parse_registry(data: bytes, file: str = REGISTRY_FILE,
                   store: ResultStore | None = None) -> RegistryConfig:
    """Parse and check registry.yaml's bytes; raise ConfigError with every problem found.
    ``store``: where a schema check's result may be reused from (see ``SchemaChecker``)."""
    result = load(data, file, _REGISTRY_LIMITS)
    problems = list(result.diagnostics)
    if result.document is not None:
        problems += SchemaChecker.named(REGISTRY_SCHEMA).check(result.document, file, data,
                                                               store)
    if has_errors(problems) or result.document is None:
        raise ConfigError(f"{file} is not valid", problems)
    raw = result.document.data
    for i, license_id in enumerate(raw["licenses"]):
        try:
            canonical: str = canonicalize_license_expression(license_id)
        except InvalidLicenseExpression:
            canonical = ""
        if canonical != license_id:
            ptr = pointer("licenses", i)
            problems.append(diagnostic(
                "PI035", file, result.document.line_of(ptr), ptr,
                f"'{license_id}' is not a canonical SPDX license identifier",
            ))
    for key in ("categories", "capabilities", "permissions"):
        seen: set[str] = set()
        for i, entry in enumerate(raw[key]):
            if entry["id"] in seen:
                ptr = pointer(key, i, "id")
                problems.append(diagnostic(
                    "PI020", file, result.document.line_of(ptr), ptr,
                    f"'{entry['id']}' is listed twice", "list each id once",
                ))
            seen.add(entry["id"])
    scan_raw = raw.get("scan", {})
    try:
        scan = parse_scan(scan_raw, frozenset(p["id"] for p in raw["permissions"]))
    except ValueError as exc:
        ptr = pointer("scan", "permissions")
        problems.append(diagnostic("PI020", file, result.document.line_of(ptr), ptr, str(exc)))
        scan = ScanConfig()
    for i, override in enumerate(scan.policy.overrides):
        if override.approved_by not in raw["admins"]:
            ptr = pointer("scan", "policy", "overrides", i, "approved_by")
            problems.append(diagnostic(
                "PI020", file, result.document.line_of(ptr), ptr,
                f"'{override.approved_by}' is not one of the registry's admins",
                "only a login listed under admins may approve an exception"))
    for i, root in enumerate(raw.get("path_source_roots", ())):
        if protected(root):
            ptr = pointer("path_source_roots", i)
            problems.append(diagnostic(
                "PI020", file, result.document.line_of(ptr), ptr,
                f"'{root}' is (or holds) one of the registry's own paths",
                "keep plugin sources in a directory of their own, such as examples/plugins"))
    reputation, reputation_problems = parse_reputation(raw.get("reputation", {}))
    for where, text in reputation_problems:
        ptr = pointer("reputation", *where)
        problems.append(diagnostic("PI020", file, result.document.line_of(ptr), ptr, text))
    score, score_problems = parse_score(raw.get("score", {}))
    for parts, message in score_problems:
        ptr = pointer("score", *parts)
        problems.append(diagnostic("PI020", file, result.document.line_of(ptr), ptr, message))
    if has_errors(problems):
        raise ConfigError(f"{file} is not valid", problems)
    limits = raw["limits"]
    return RegistryConfig(
        name=raw["name"],
        description=raw.get("description", ""),
        repository=raw.get("repository"),
        host_name=raw["host"]["name"],
        host_versions=tuple(sorted(raw["host"]["versions"], key=Version)),
        categories=_terms(raw["categories"]),
        capabilities=_terms(raw["capabilities"]),
        permissions=_terms(raw["permissions"]),
        licenses=frozenset(raw["licenses"]),
        source_hosts=frozenset(raw["source_hosts"]),
        admins=tuple(raw["admins"]),
        limits=Limits(limits["manifest_bytes"], limits["yaml_depth"], limits["yaml_nodes"]),
        max_plugin_requirements=limits["plugin_requirements"],
        max_package_requirements=limits["package_requirements"],
        resolution_seconds=float(limits.get("resolution_seconds", DEFAULT_RESOLUTION_SECONDS)),
        publish_shrink=float(limits.get("publish_shrink", DEFAULT_SHRINK)),
        scan=scan,
        digest=hashlib.sha256(data).hexdigest(),
        raw=raw,
        score=score,
        verified_publishers=frozenset(raw.get("verified_publishers", ())),
        path_source_roots=tuple(r.strip("/") for r in raw.get(
            "path_source_roots", DEFAULT_PATH_SOURCE_ROOTS)),
        featured=frozenset(raw.get("featured", ())),
        reputation=reputation,
        lines=dict(result.document.lines),
    )


def load_registry(root: Path, store: ResultStore | None = None) -> RegistryConfig:
    path = root / REGISTRY_FILE
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    return parse_registry(data, store=store)
