"""Adapter over pip-audit: known advisories for a list of requirements, without building anything.

``pip-audit -r`` resolves requirements by running pip, which builds sdists (runs their code).
So pip-audit only ever sees exact pins, with ``--no-deps --disable-pip``. A range is first
resolved to the version pip would pick (the newest non-yanked final release allowed), read from
the package index's JSON API: metadata only. What cannot be resolved or audited is a skip with
its reason, never a clean result.

pip-audit does not report severities: each advisory it reports is then read once from the OSV
service (``GET /v1/vulns/<id>``) and rated from its CVSS vectors or the database's own rating.
A lookup that fails leaves the advisory "unknown", never a lower severity, and never fails the
audit.

pip-audit runs sealed like bandit (``adapters.proc.run_sealed``: ``-I``, a clean environment,
the working directory a scratch directory). An answer that drops an advisory a previous audit
reported is only believed once the advisory's own OSV record confirms it (``still_standing``):
withdrawn, gone (404) or no longer affecting the version. A service answering ``{}`` for
everything cannot clear known advisories.
"""

from __future__ import annotations

import http.client
import json
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from cvss import CVSS2, CVSS3, CVSS4, CVSSError
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from plugindex.adapters.proc import ProcessFailed, run_sealed
from plugindex.scanners.bandit import ToolFailed
from plugindex.scanners.osvdb import affects

Fetcher = Callable[[str, float], bytes]
MAX_INDEX_BYTES = 20 * 1024 * 1024

# From the most to the least severe; "unknown" when nothing rates the advisory.
SEVERITIES = ("critical", "high", "moderate", "low", "unknown")
UNKNOWN = "unknown"
QUERY_SUFFIX = "/v1/query"
MAX_LOOKUPS_AT_ONCE = 8
# OSV severity[] types, each with the class of the cvss library that scores its vectors.
_CVSS_CLASSES: dict[str, Any] = {"CVSS_V4": CVSS4, "CVSS_V3": CVSS3, "CVSS_V2": CVSS2}
# Qualitative ratings as databases write them (GHSA: CRITICAL/HIGH/MODERATE/LOW).
_RATINGS = {"critical": "critical", "high": "high", "moderate": "moderate",
            "medium": "moderate", "low": "low"}


@dataclass(frozen=True, order=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    fixed_in: tuple[str, ...]
    summary: str
    severity: str = UNKNOWN  # one of SEVERITIES
    cvss: str | None = None  # the CVSS vector the severity was computed from, if any

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "aliases": list(self.aliases), "fixed_in": list(self.fixed_in),
                "summary": self.summary, "severity": self.severity, "cvss": self.cvss}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Advisory:
        """An advisory as ``as_json`` wrote it; records older than severities load "unknown"."""
        severity = d.get("severity")
        cvss = d.get("cvss")
        return cls(d["id"], tuple(d["aliases"]), tuple(d["fixed_in"]), d["summary"],
                   severity if severity in SEVERITIES else UNKNOWN,
                   cvss if isinstance(cvss, str) else None)


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


def cvss_rating(score: float) -> str:
    """The CVSS v3 qualitative rating of a base score, used for v2 and v4 scores as well
    (an advisory scored 0.0 still exists: it is "low", not "none")."""
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "moderate"
    return "low"


def cvss_base_score(kind: object, vector: object) -> float | None:
    """The base score of one OSV ``severity`` entry's vector; None when its type is not a CVSS
    one or the cvss library rejects the vector."""
    cls = _CVSS_CLASSES.get(kind) if isinstance(kind, str) else None
    if cls is None or not isinstance(vector, str):
        return None
    try:
        score = cls(vector.strip()).scores()[0]
    except (CVSSError, ArithmeticError, LookupError, ValueError):
        return None
    return float(score) if isinstance(score, int | float) else None


def _mappings(value: object) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _stated_ratings(record: dict[str, Any]) -> Iterable[object]:
    """The qualitative severities a record states: ``database_specific.severity`` and, per
    affected package, ``ecosystem_specific.severity`` and ``database_specific.severity``."""
    holders = [record.get("database_specific")]
    for affected in _mappings(record.get("affected")):
        holders += [affected.get("ecosystem_specific"), affected.get("database_specific")]
    return [h.get("severity") for h in holders if isinstance(h, dict)]


def severity_of(osv_record: dict[str, Any]) -> tuple[str, str | None]:
    """(severity, CVSS vector used or None) of an OSV record.

    The highest base score among its CVSS_V4/V3/V2 vectors (vectors the cvss library rejects
    are ignored), on the CVSS v3 qualitative scale; else the highest qualitative rating the
    record states (MEDIUM is "moderate"); else "unknown".
    """
    best: tuple[float, str] | None = None
    for entry in _mappings(osv_record.get("severity")):
        score = cvss_base_score(entry.get("type"), entry.get("score"))
        if score is not None and (best is None or score > best[0]):
            best = (score, str(entry["score"]).strip())
    if best is not None:
        return cvss_rating(best[0]), best[1]
    stated = {_RATINGS.get(r.strip().lower()) for r in _stated_ratings(osv_record)
              if isinstance(r, str)}
    return next((s for s in SEVERITIES if s in stated), UNKNOWN), None


def vulns_url(osv_url: str, advisory_id: str) -> str | None:
    """``<base>/v1/vulns/<id>`` for the query URL ``<base>/v1/query``; None for another URL."""
    if not osv_url.endswith(QUERY_SUFFIX):
        return None
    base = osv_url[:-len(QUERY_SUFFIX)]
    return f"{base}/v1/vulns/{urllib.parse.quote(advisory_id, safe='')}"


def lookup_severities(ids: Iterable[str], *, osv_url: str, timeout: float,
                      get: Fetcher = http_get) -> dict[str, tuple[str, str | None]]:
    """(severity, CVSS vector) of each advisory, read once per id from the OSV service.

    An advisory whose record cannot be read (not an OSV query URL, HTTP error, timeout, bad
    JSON, the time budget spent) is "unknown". Lookups share ``timeout`` as their budget.
    """
    wanted = sorted(set(ids))
    unknown: tuple[str, str | None] = (UNKNOWN, None)
    if not wanted or not osv_url.endswith(QUERY_SUFFIX):
        return dict.fromkeys(wanted, unknown)
    deadline = time.monotonic() + timeout
    per_request = max(1.0, timeout / 4)

    def one(advisory_id: str) -> tuple[str, str | None]:
        url = vulns_url(osv_url, advisory_id)
        remaining = deadline - time.monotonic()
        if url is None or remaining <= 0:
            return unknown
        try:
            record = json.loads(get(url, min(per_request, remaining)))
        except (OSError, ValueError, http.client.HTTPException, RecursionError):
            return unknown
        return severity_of(record) if isinstance(record, dict) else unknown

    with ThreadPoolExecutor(min(MAX_LOOKUPS_AT_ONCE, len(wanted)),
                            thread_name_prefix="plugindex-osv") as pool:
        return dict(zip(wanted, pool.map(one, wanted), strict=True))


@dataclass(frozen=True, order=True)
class Dropped:
    """An advisory a previous audit reported for ``name==version`` that a new answer lacks."""

    id: str
    name: str  # canonical
    version: str


def _standing(drop: Dropped, osv_url: str, timeout: float, get: Fetcher) -> str | None:
    """Why the drop is not confirmed, or None when the OSV record confirms it."""
    url = vulns_url(osv_url, drop.id)
    if url is None:
        return f"{drop.id} cannot be looked up: {osv_url} is not an OSV query URL"
    try:
        record = json.loads(get(url, timeout))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None  # the advisory is gone
        return f"looking {drop.id} up answered HTTP {exc.code}"
    except (OSError, ValueError, http.client.HTTPException, RecursionError) as exc:
        return f"{drop.id} could not be looked up ({exc})"
    if not isinstance(record, dict) or record.get("id") != drop.id:
        return f"the record served for {drop.id} is not that advisory"
    if record.get("withdrawn"):
        return None
    if not affects(record, drop.name, drop.version):
        return None  # corrected: the version is no longer affected
    return (f"{drop.id} is still published and affects {drop.name} {drop.version}, "
            "yet the new answer does not list it")


def still_standing(dropped: Iterable[Dropped], *, osv_url: str, timeout: float,
                   get: Fetcher = http_get) -> list[tuple[Dropped, str]]:
    """The dropped advisories whose drop their OSV record (``GET <base>/v1/vulns/<id>``) does
    not confirm, each with why: the record exists, is not withdrawn and still affects the
    version, or it could not be read. A 404, a ``withdrawn`` record or a record that no longer
    affects the version confirms the drop. Lookups share ``timeout`` as their budget; those
    left when it is spent are not confirmed."""
    deadline = time.monotonic() + timeout
    standing = []
    for drop in sorted(set(dropped)):
        remaining = deadline - time.monotonic()
        why = (_standing(drop, osv_url, remaining, get) if remaining > 0
               else f"{drop.id} was not looked up: the time budget was spent")
        if why is not None:
            standing.append((drop, why))
    return standing


def _pip_audit(pins: Sequence[str], osv_url: str, timeout: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="plugindex-audit-") as tmp:
        scratch = Path(tmp)
        reqs = scratch / "requirements.txt"
        reqs.write_text("".join(f"{p}\n" for p in pins), encoding="utf-8")
        out = scratch / "report.json"
        args = ["-r", str(reqs), "--no-deps", "--disable-pip", "-s", "osv",
                "--osv-url", osv_url, "-f", "json", "-o", str(out), "--progress-spinner", "off",
                "--cache-dir", str(scratch / "cache"), "--timeout", str(max(1, int(timeout / 4)))]
        try:
            done = run_sealed("pip_audit", args, scratch=scratch, timeout=timeout,
                              extra_env={"PIP_NO_INPUT": "1"})
        except ProcessFailed as exc:
            if not exc.timed_out:
                raise  # not started at all: the environment is broken, not the audit
            raise ToolFailed(f"pip-audit did not finish in {timeout:g} s") from None
        try:
            report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            lines = done.stderr_text.strip().splitlines()
            reason = next((ln for ln in reversed(lines) if ln.strip()), "no output")
            raise ToolFailed(f"pip-audit could not audit: {reason[-300:]}") from None
    return report


def audit(requirements: Sequence[str], *, osv_url: str, package_index: str,
          timeout: float, get: Fetcher = http_get) -> AuditResult:
    """Advisories for each requirement, each rated (``severity``, ``cvss``) from its OSV record.
    Raises ToolFailed when the service cannot be asked at all (the caller records the whole
    audit as skipped). pip-audit gets ``timeout``; the severity lookups then share another
    ``timeout``, after which the advisories not yet read stay "unknown"."""
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
    packages: list[AuditedPackage] = []
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
    rated = lookup_severities((a.id for p in packages for a in p.advisories), osv_url=osv_url,
                              timeout=timeout, get=get)
    packages = [replace(p, advisories=tuple(sorted(
        replace(a, severity=rated[a.id][0], cvss=rated[a.id][1]) for a in p.advisories)))
        for p in packages]
    for text, _, _ in chosen.values():
        skips.append((text, "pip-audit did not report on it"))
    return AuditResult(tuple(sorted(packages, key=lambda p: p.requirement)),
                       tuple(sorted(skips)), f"pip-audit {installed_version('pip-audit')}")
