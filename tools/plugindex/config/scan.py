"""The ``scan`` section of registry.yaml: bandit settings, permission mapping, policy, limits.

Every key is optional; the defaults below are the documented ones. ``scan_key`` digests what
changes a scan's result (not the policy, which is applied when reports and the index are made),
so that changing the policy re-judges cached results without rescanning.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

Level = Literal["block", "warn", "info"]
RANKS = {"low": 1, "medium": 2, "high": 3}

DEFAULT_OSV_URL = "https://api.osv.dev/v1/query"
DEFAULT_PACKAGE_INDEX = "https://pypi.org/pypi"
DEFAULT_TOOL_SECONDS = 300.0
# What each detected use needs, by default (a permission the registry does not define: unchecked).
DEFAULT_PERMISSIONS: Mapping[str, str] = {
    "network": "network",
    "subprocess": "subprocess",
    "filesystem-write": "filesystem",
    "environment": "environment",
    "dynamic-code": "dynamic-code",
    "native-code": "native-code",
}


MiB = 1024 * 1024


@dataclass(frozen=True)
class SourceLimits:
    """Caps on one fetched source (configurable under ``scan.limits`` in registry.yaml)."""

    download_bytes: int = 50 * MiB  # bytes downloaded for one archive
    members: int = 10_000  # entries (files and directories) in one archive or tree
    total_bytes: int = 200 * MiB  # bytes of all extracted files together
    file_bytes: int = 20 * MiB  # bytes of one extracted file
    ratio: float = 100.0  # uncompressed bytes / compressed bytes, per member and overall
    timeout_seconds: float = 120.0  # one clone or download, from start to end
    retries: int = 2  # further attempts after a transient failure (timeout, 5xx, unreachable)


@dataclass(frozen=True)
class Threshold:
    """Findings at or above both the severity and the confidence."""

    severity: str
    confidence: str

    def admits(self, severity: str, confidence: str) -> bool:
        return (RANKS.get(severity.lower(), 0) >= RANKS[self.severity]
                and RANKS.get(confidence.lower(), 0) >= RANKS[self.confidence])


@dataclass(frozen=True)
class Override:
    """An admin's exception: these findings of this plugin (version or '*') do not block."""

    plugin: str
    version: str
    findings: frozenset[str]
    approved_by: str
    reason: str

    def covers(self, plugin: str, version: str, finding_ids: frozenset[str]) -> bool:
        return (self.plugin == plugin and self.version in ("*", version)
                and bool(self.findings & finding_ids))


@dataclass(frozen=True)
class Policy:
    bandit_block: Threshold = Threshold("high", "medium")
    bandit_warn: Threshold = Threshold("medium", "low")
    advisories: Level = "block"
    undeclared_permissions: Level = "warn"
    scan_errors: Level = "block"  # a file no check could read is never taken as clean
    refused: Level = "block"
    skipped: Level = "warn"
    overrides: tuple[Override, ...] = ()

    def bandit_level(self, severity: str, confidence: str) -> Level:
        if self.bandit_block.admits(severity, confidence):
            return "block"
        if self.bandit_warn.admits(severity, confidence):
            return "warn"
        return "info"

    def override_for(self, plugin: str, version: str, finding_ids: frozenset[str]
                     ) -> Override | None:
        return next((o for o in self.overrides if o.covers(plugin, version, finding_ids)), None)


@dataclass(frozen=True)
class ScanConfig:
    bandit_skips: tuple[str, ...] = ("B101",)
    bandit_exclude: tuple[str, ...] = ()
    permissions: tuple[tuple[str, str], ...] = ()  # (detected use, registry permission)
    policy: Policy = field(default_factory=Policy)
    limits: SourceLimits = field(default_factory=SourceLimits)
    tool_seconds: float = DEFAULT_TOOL_SECONDS
    osv_url: str = DEFAULT_OSV_URL
    package_index: str = DEFAULT_PACKAGE_INDEX
    mirrors: tuple[tuple[str, str], ...] = ()

    @property
    def permission_map(self) -> dict[str, str]:
        return dict(self.permissions)

    @property
    def scan_key(self) -> str:
        """Digest of the settings a source scan's result depends on."""
        return hashlib.sha256(json.dumps(
            [self.bandit_skips, self.bandit_exclude], sort_keys=True).encode()).hexdigest()[:16]

    def mirrored(self, url: str) -> str:
        """``url`` with the longest matching mirror prefix replaced."""
        for prefix, replacement in sorted(self.mirrors, key=lambda m: -len(m[0])):
            if url.startswith(prefix):
                return replacement + url[len(prefix):]
        return url


def _threshold(raw: Mapping[str, Any] | None, default: Threshold) -> Threshold:
    return Threshold(raw["severity"], raw["confidence"]) if raw else default


def parse_scan(raw: Mapping[str, Any], permission_ids: frozenset[str]) -> ScanConfig:
    """The schema-valid ``scan`` mapping (or {}) -> ScanConfig. Unknown permission ids in an
    explicit mapping raise ValueError; default mappings to absent permissions are dropped."""
    bandit = raw.get("bandit", {})
    policy = raw.get("policy", {})
    bandit_policy = policy.get("bandit", {})
    explicit = raw.get("permissions", {})
    mapping = {k: v for k, v in DEFAULT_PERMISSIONS.items() if v in permission_ids}
    for use, permission in explicit.items():
        if permission is None:
            mapping.pop(use, None)
        elif permission not in permission_ids:
            raise ValueError(f"scan.permissions.{use}: '{permission}' is not one of the "
                             "registry's permissions")
        else:
            mapping[use] = permission
    defaults = Policy()
    limits = raw.get("limits", {})
    source_limits = SourceLimits(**{
        f.name: limits[f.name] for f in fields(SourceLimits) if f.name in limits})
    return ScanConfig(
        bandit_skips=tuple(sorted(bandit.get("skips", ScanConfig.bandit_skips))),
        bandit_exclude=tuple(sorted(bandit.get("exclude", ()))),
        permissions=tuple(sorted(mapping.items())),
        policy=Policy(
            bandit_block=_threshold(bandit_policy.get("block"), defaults.bandit_block),
            bandit_warn=_threshold(bandit_policy.get("warn"), defaults.bandit_warn),
            advisories=policy.get("advisories", defaults.advisories),
            undeclared_permissions=policy.get("undeclared_permissions",
                                              defaults.undeclared_permissions),
            scan_errors=policy.get("scan_errors", defaults.scan_errors),
            refused=policy.get("refused", defaults.refused),
            skipped=policy.get("skipped", defaults.skipped),
            overrides=tuple(
                Override(o["plugin"], o["version"], frozenset(o["findings"]), o["approved_by"],
                         o["reason"])
                for o in policy.get("overrides", ())),
        ),
        limits=source_limits,
        tool_seconds=float(limits.get("tool_seconds", DEFAULT_TOOL_SECONDS)),
        osv_url=raw.get("osv_url", DEFAULT_OSV_URL),
        package_index=raw.get("package_index", DEFAULT_PACKAGE_INDEX).rstrip("/"),
        mirrors=tuple(sorted(raw.get("mirrors", {}).items())),
    )
