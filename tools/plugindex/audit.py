"""Adapter over pip-audit: known advisories for a list of requirements, without building anything.

``pip-audit -r`` resolves requirements by running pip, which builds sdists (runs their code).
So pip-audit only ever sees exact pins, with ``--no-deps --disable-pip``. A range is first
resolved to the version pip would pick (the newest non-yanked final release allowed), read from
the package index's JSON API: metadata only. What cannot be resolved or audited is a skip with
its reason, never a clean result.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from plugindex.banditscan import ToolFailed

Fetcher = Callable[[str, float], bytes]
MAX_INDEX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True, order=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    fixed_in: tuple[str, ...]
    summary: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "aliases": list(self.aliases), "fixed_in": list(self.fixed_in),
                "summary": self.summary}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Advisory:
        return cls(d["id"], tuple(d["aliases"]), tuple(d["fixed_in"]), d["summary"])


@dataclass(frozen=True)
class AuditedPackage:
    requirement: str  # as declared
    name: str
    version: str  # the version audited
    resolved: bool  # the version was resolved from a range (what pip would install today)
    advisories: tuple[Advisory, ...]


@dataclass(frozen=True)
class AuditResult:
    packages: tuple[AuditedPackage, ...] = ()
    skips: tuple[tuple[str, str], ...] = ()  # (requirement, why it was not audited)
    tool: str = ""


def pinned_version(req: Requirement) -> str | None:
    """The version of an exact pin (==X without wildcards, or ===X), else None."""
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def http_get(url: str, timeout: float) -> bytes:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url}")
    request = urllib.request.Request(url, headers={"Accept": "application/json",  # noqa: S310
                                                   "User-Agent": "plugindex"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        data: bytes = response.read(MAX_INDEX_BYTES + 1)
    if len(data) > MAX_INDEX_BYTES:
        raise ValueError(f"{url} answered more than {MAX_INDEX_BYTES} bytes")
    return data


def newest_allowed(req: Requirement, releases: dict[str, Any]) -> str | None:
    """The version pip would choose for ``req`` among an index's releases (final releases
    unless the range names a pre-release; releases whose files are all yanked excluded)."""
    candidates = []
    for text, files in releases.items():
        try:
            v = Version(text)
        except InvalidVersion:
            continue
        if not files or all(f.get("yanked") for f in files if isinstance(f, dict)):
            continue
        candidates.append(v)
    allowed = list(req.specifier.filter(candidates))
    return str(max(allowed)) if allowed else None


def resolve_range(req: Requirement, index: str, timeout: float, get: Fetcher) -> str:
    """Resolve a range to one version. Raises ValueError with the reason."""
    url = f"{index}/{urllib.parse.quote(canonicalize_name(req.name))}/json"
    try:
        data = json.loads(get(url, timeout))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise ValueError(f"{req.name} is not on the package index") from None
        raise ValueError(f"the package index answered {exc.code} for {req.name}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ValueError(f"the package index is unreachable ({exc})") from None
    found = newest_allowed(req, data.get("releases", {}) if isinstance(data, dict) else {})
    if found is None:
        raise ValueError(f"no release of {req.name} on the package index matches "
                         f"'{req.specifier}'")
    return found


def _pip_audit(pins: Sequence[str], osv_url: str, timeout: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="plugindex-audit-") as tmp:
        scratch = Path(tmp)
        reqs = scratch / "requirements.txt"
        reqs.write_text("".join(f"{p}\n" for p in pins), encoding="utf-8")
        out = scratch / "report.json"
        cmd = [sys.executable, "-m", "pip_audit", "-r", str(reqs), "--no-deps", "--disable-pip",
               "-s", "osv", "--osv-url", osv_url, "-f", "json", "-o", str(out),
               "--progress-spinner", "off", "--cache-dir", str(scratch / "cache"),
               "--timeout", str(max(1, int(timeout / 4)))]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(scratch),
               "PYTHONNOUSERSITE": "1", "PIP_NO_INPUT": "1"}
        try:
            done = subprocess.run(cmd, cwd=scratch, env=env, capture_output=True, check=False,
                                  timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise ToolFailed(f"pip-audit did not finish in {timeout:g} s") from None
        try:
            report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
            reason = next((ln for ln in reversed(lines) if ln.strip()), "no output")
            raise ToolFailed(f"pip-audit could not audit: {reason[-300:]}") from None
    return report


def audit(requirements: Sequence[str], *, osv_url: str, package_index: str,
          timeout: float, get: Fetcher = http_get) -> AuditResult:
    """Advisories for each requirement. Raises ToolFailed when the service cannot be asked
    at all (the caller records the whole audit as skipped)."""
    skips: list[tuple[str, str]] = []
    chosen: dict[str, tuple[str, str, bool]] = {}  # pin -> (requirement, version, resolved)
    for text in sorted(set(requirements)):
        try:
            req = Requirement(text)
        except InvalidRequirement:
            skips.append((text, "not a valid requirement"))
            continue
        if req.url:
            skips.append((text, "a direct URL requirement: no version to look up"))
            continue
        name = canonicalize_name(req.name)
        pin = pinned_version(req)
        resolved = pin is None
        if pin is None:
            try:
                pin = resolve_range(req, package_index, timeout, get)
            except ValueError as exc:
                skips.append((text, str(exc)))
                continue
        chosen[f"{name}=={pin}"] = (text, pin, resolved)
    if not chosen:
        return AuditResult(skips=tuple(skips), tool=f"pip-audit {installed_version('pip-audit')}")
    report = _pip_audit(sorted(chosen), osv_url, timeout)
    packages = []
    for dep in report.get("dependencies", []):
        pin = f"{canonicalize_name(dep['name'])}=={dep.get('version', '')}"
        if pin not in chosen:
            continue
        text, version, resolved = chosen.pop(pin)
        if "skip_reason" in dep:
            skips.append((text, f"pip-audit skipped it: {dep['skip_reason']}"))
            continue
        advisories = tuple(sorted(
            Advisory(v["id"], tuple(sorted(v.get("aliases", []))),
                     tuple(v.get("fix_versions", [])),
                     " ".join(str(v.get("description") or "").split())[:300])
            for v in dep.get("vulns", [])))
        packages.append(AuditedPackage(text, canonicalize_name(dep["name"]), version, resolved,
                                       advisories))
    for text, _, _ in chosen.values():
        skips.append((text, "pip-audit did not report on it"))
    return AuditResult(tuple(sorted(packages, key=lambda p: p.requirement)),
                       tuple(sorted(skips)), f"pip-audit {installed_version('pip-audit')}")
