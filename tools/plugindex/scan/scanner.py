"""Scanning versions: fetch -> the source scanners -> audit -> judgement.

The one module that orders the scan's stages. The source scanners are the table
``scanners.registry.SCANNERS`` (bandit, permissions, declared pins, quality facts); each
writes its own part of the source record. Results are records under index/cache/ (see
``scan.records``), reused while the source's content, the scanner versions and the registry's
scan settings are unchanged, so a second scan of an unchanged source reads one small file.
A record is only reused when it names the key it is filed under (and, for a git source, the
tree or commit of that key): a record copied or planted under another source's path is
treated as absent. Nothing is ever installed, imported or built: the fetched tree is made
read-only before any scanner reads it, and bandit and pip-audit run sealed
(``adapters.proc.run_sealed``).

``plugindex audit`` asks the advisory service again; a new answer that drops advisories the
previous record held is only accepted when each dropped advisory's OSV record confirms it
(withdrawn, gone, or no longer affecting the version). Otherwise the previous record is kept
and the refusal is shown as an audit skip: a service answering ``{}`` clears nothing.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from plugindex.adapters.fsutil import write_atomic
from plugindex.adapters.gitrepo import GitRepo, git_blob_id
from plugindex.adapters.proc import seal_tree
from plugindex.config.registry import RegistryConfig
from plugindex.config.scan import ScanConfig
from plugindex.diagnostics import Diagnostic, Severity
from plugindex.fetch.problems import SourceProblem
from plugindex.fetch.source import FetchedSource, fetch, source_key
from plugindex.manifests.model import Manifest
from plugindex.manifests.yamlsafe import load
from plugindex.rules import diagnostic
from plugindex.scan.judge import OFFLINE, Judgement, judge
from plugindex.scan.records import (
    audit_record,
    audit_record_path,
    audit_requirements,
    audits,
    dropped_advisories,
    dumps,
    filed_under,
    same_audit,
    source_record,
    source_record_path,
    tools_of,
)
from plugindex.scanners import registry as source_scanners
from plugindex.scanners.bandit import ToolFailed
from plugindex.scanners.base import Item, SealedTree
from plugindex.scanners.pipaudit import audit, still_standing


@dataclass(frozen=True)
class Target:
    """One version to scan: its manifest, and the commit that published it (in-repo sources
    are read there)."""

    path: str
    manifest: Manifest
    published_commit: str
    text: bytes = b""  # the manifest's bytes, for line numbers


@dataclass(frozen=True)
class ScanOptions:
    offline: bool = False  # fetch nothing from the network; audit nothing
    osv_url: str | None = None  # instead of registry.yaml's scan.osv_url
    refresh_audit: bool = False  # ask the advisory service again even for cached results
    scan_sources: bool = True  # False: use cached source records only (plugindex audit)


@dataclass(frozen=True)
class VersionReport:
    target: Target
    key: str | None
    record: dict[str, Any] | None
    audit: dict[str, Any] | None
    judgement: Judgement
    scanned: bool  # False: the source record came from the cache
    audited: bool  # False: the audit record came from the cache (or there is none)
    seconds: float


class RecordStore:
    """Records in the working tree under index/cache/; written only when their bytes change.

    ``trusted``: path -> git blob id of the records a pull request's base holds. When given,
    a record is only reused if it is byte-identical to the base's: a record added or edited in
    the pull request itself is never believed, the source is scanned again.
    """

    def __init__(self, root: Path, trusted: Mapping[str, str] | None = None) -> None:
        self.root = root
        self.trusted = trusted
        self.written: set[str] = set()  # the records this store wrote (their paths)

    def read(self, rel: str) -> dict[str, Any] | None:
        try:
            raw = (self.root / rel).read_bytes()
            data: dict[str, Any] = json.loads(raw)
        except (OSError, ValueError):
            return None
        if self.trusted is not None and self.trusted.get(rel) != git_blob_id(raw):
            return None
        return data if isinstance(data, dict) else None

    def write(self, rel: str, record: dict[str, Any]) -> bool:
        data = dumps(record)
        path = self.root / rel
        try:
            if path.read_bytes() == data:
                return False
        except OSError:
            pass
        write_atomic(path, data)
        self.written.add(rel)
        return True


def _is_remote(manifest: Manifest) -> bool:
    return manifest.source.kind in ("git", "archive")


def _reusable(record: dict[str, Any] | None, config: ScanConfig, tools: dict[str, str],
              offline: bool) -> bool:
    if record is None:
        return False
    if offline:
        return True  # an older result beats none when nothing may be fetched
    return (record.get("config") == config.scan_key and record.get("tools") == tools
            and record.get("status") in ("scanned", "refused"))


def _merge(parts: dict[str, Any], scanner: str, part: Mapping[str, Any]) -> None:
    clash = parts.keys() & part.keys()
    if clash:
        raise ValueError(f"scanner {scanner!r} writes {sorted(clash)}, which another scanner "
                         "writes")
    parts.update(part)


def scanned_parts(tree: SealedTree, config: ScanConfig) -> dict[str, Any]:
    """Every source scanner's part of the record of a fetched, sealed tree, in table order."""
    parts: dict[str, Any] = {}
    for scanner in source_scanners.SCANNERS:
        _merge(parts, scanner.name, scanner.scan(tree, config))
    return parts


def unscanned_parts() -> dict[str, Any]:
    """Every source scanner's part of the record of a source that was not fetched."""
    parts: dict[str, Any] = {}
    for scanner in source_scanners.SCANNERS:
        _merge(parts, scanner.name, scanner.unscanned())
    return parts


def scanner_tools() -> dict[str, str]:
    """A record's ``tools``: every source scanner's tool versions, and SCANNER_VERSION."""
    return tools_of({k: v for s in source_scanners.SCANNERS for k, v in s.tools().items()})


class Scanner:
    def __init__(self, repo: GitRepo, registry: RegistryConfig, store: RecordStore,
                 options: ScanOptions = ScanOptions(),
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.repo = repo
        self.registry = registry
        self.config = registry.scan
        self.store = store
        self.options = options
        self.sleep = sleep
        self.tools = scanner_tools()
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, rel: str) -> threading.Lock:
        """One lock per record: versions sharing a source or a dependency set (scanned on
        several threads) wait for the first to finish, then read its record."""
        with self._guard:
            return self._locks.setdefault(rel, threading.Lock())

    # -- keys -----------------------------------------------------------------------------
    def key_of(self, target: Target) -> str | None:
        source = target.manifest.source
        if source.kind != "path":
            return source_key(source, None)
        spec = f"{target.published_commit}:{source.location}"
        tree = self.repo.tree_ids([spec]).get(spec)
        return source_key(source, tree) if tree else None

    # -- the source ------------------------------------------------------------------------
    def scan_source(self, target: Target, key: str) -> dict[str, Any]:
        """Fetch and scan one source into a record (problems become part of the record)."""
        with tempfile.TemporaryDirectory(prefix="plugindex-scan-") as tmp:
            work = Path(tmp)
            dest = work / "source"
            dest.mkdir()
            scratch = work / "scratch"
            scratch.mkdir()
            try:
                fetched = fetch(target.manifest.source, dest, scratch, self.config,
                                repo=self.repo, published_commit=target.published_commit,
                                sleep=self.sleep, redirect_hosts=self.registry.source_hosts)
            except SourceProblem as exc:
                return source_record(key, self.config.scan_key, self.tools,
                                     problem=(exc.code, exc.message, exc.refused),
                                     parts=unscanned_parts())
            seal_tree(fetched.root)  # no tool may change what the others read
            return self._analyse(key, fetched)

    def _analyse(self, key: str, fetched: FetchedSource) -> dict[str, Any]:
        tree = SealedTree(fetched.root, fetched.commit_times)
        return source_record(key, self.config.scan_key, self.tools, fetched=fetched,
                             problem=None, parts=scanned_parts(tree, self.config))

    def source(self, target: Target) -> tuple[str | None, dict[str, Any] | None, bool]:
        """(key, record, scanned now). The record is None only when nothing can be known."""
        key = self.key_of(target)
        if key is None:
            return None, source_record(
                f"missing:{target.manifest.source.location}", self.config.scan_key, self.tools,
                problem=("path-not-a-directory",
                         f"{target.manifest.source.location} is not a directory at "
                         f"{target.published_commit[:12]}", True),
                parts=unscanned_parts()), True
        rel = source_record_path(target.manifest.name, key)
        with self._lock(rel):
            return self._source(target, key, rel)

    def _source(self, target: Target, key: str, rel: str
                ) -> tuple[str | None, dict[str, Any] | None, bool]:
        cached = self.store.read(rel)
        if cached is not None and not filed_under(cached, key):
            cached = None  # a record for another source: as good as none
        if _reusable(cached, self.config, self.tools, self.options.offline):
            return key, cached, False
        if not self.options.scan_sources or (self.options.offline
                                             and _is_remote(target.manifest)):
            return key, cached, False
        record = self.scan_source(target, key)
        self.store.write(rel, record)
        return key, record, True

    # -- dependencies -----------------------------------------------------------------------
    def audit(self, target: Target, record: dict[str, Any] | None
              ) -> tuple[dict[str, Any] | None, bool]:
        requirements = audit_requirements(target.manifest, record)
        rel = audit_record_path(target.manifest.name, requirements)
        with self._lock(rel):
            return self._audit(requirements, rel)

    def _audit(self, requirements: list[str], rel: str) -> tuple[dict[str, Any] | None, bool]:
        cached = self.store.read(rel)
        if cached is not None and not audits(cached, requirements):
            cached = None  # a record for another set of requirements: as good as none
        fresh_enough = cached is not None and cached.get("status") == "audited"
        if self.options.offline or (fresh_enough and not self.options.refresh_audit):
            return cached, False
        osv_url = self.options.osv_url or self.config.osv_url
        today = datetime.datetime.now(datetime.UTC).date().isoformat()
        # A local endpoint's port changes from run to run: not worth recording.
        host = urllib.parse.urlsplit(osv_url).hostname or ""
        service = "osv (local)" if host in ("127.0.0.1", "::1", "localhost") else osv_url
        try:
            result = audit(requirements, osv_url=osv_url,
                           package_index=self.config.package_index,
                           timeout=self.config.tool_seconds)
            new = audit_record(requirements, result, since=today, service=service)
        except ToolFailed as exc:
            if cached is not None and fresh_enough:  # keep the last real answer, and say so
                return {**cached, "refresh_problem": "the advisory service could not be asked "
                        f"again, so the previous answer is kept: {exc}"}, False
            new = audit_record(requirements, None, since=today, service=service,
                               problem=str(exc))
        if cached is not None and fresh_enough:
            refused = self._refused_refresh(cached, new, osv_url)
            if refused is not None:
                return {**cached, "refresh_problem": refused}, False
        if cached is not None and same_audit(cached, new):
            return cached, True
        self.store.write(rel, new)
        return new, True

    def _refused_refresh(self, old: dict[str, Any], new: dict[str, Any], osv_url: str
                         ) -> str | None:
        """Why a new answer may not replace the previous one (None: it may): it drops
        advisories that their own OSV records still stand by."""
        standing = still_standing(dropped_advisories(old, new), osv_url=osv_url,
                                  timeout=self.config.tool_seconds)
        if not standing:
            return None
        return ("the advisory service's new answer drops advisories it cannot account for, "
                "so the previous answer is kept: " + "; ".join(why for _, why in standing))

    # -- everything --------------------------------------------------------------------------
    def one(self, target: Target) -> VersionReport:
        start = time.perf_counter()
        key, record, scanned = self.source(target)
        audit_result, audited = self.audit(target, record)
        judgement = judge(target.manifest, record, audit_result, self.config,
                          offline=self.options.offline and _is_remote(target.manifest))
        return VersionReport(target, key, record, audit_result, judgement, scanned, audited,
                             time.perf_counter() - start)

    def run(self, targets: Sequence[Target], workers: int | None = None,
            done: Callable[[VersionReport], None] | None = None) -> list[VersionReport]:
        """Every target's report, in the targets' order; ``done`` is called with each report
        as it is ready (in the order they finish), for progress."""
        workers = workers or min(4, os.cpu_count() or 1)
        guard = threading.Lock()

        def one(target: Target) -> VersionReport:
            report = self.one(target)
            if done is not None:
                with guard:
                    done(report)
            return report

        if len(targets) <= 1 or workers == 1:
            return [one(t) for t in targets]
        with ThreadPoolExecutor(max_workers=workers) as pool:  # the work is in subprocesses
            return list(pool.map(one, targets))


# -- reporting ----------------------------------------------------------------------------------

def override_hint(target: Target, item: Item) -> str | None:
    """For a blocking finding or advisory: the fix, or the exact exception an admin would add
    to registry.yaml (scan.policy.overrides) to lift it for this version."""
    if item.kind not in ("code", "advisory"):
        return None
    fix = "fix the code" if item.kind == "code" else "raise the pin to a fixed version"
    return (f"{fix}, or an admin adds to registry.yaml scan.policy.overrides: "
            f"{{plugin: {target.manifest.name}, version: \"{target.manifest.version}\", "
            f"findings: [{item.id}], approved_by: <admin login>, reason: <why it is safe>}}")


OFFLINE_HINT = "run it again without --offline: the source is fetched and scanned then"


def diagnostics_of(report: VersionReport, registry: RegistryConfig) -> list[Diagnostic]:
    """Blocking items as errors and warnings as warnings; info and overridden items are
    shown in the JSON report only."""
    target = report.target
    document = load(target.text, target.path, registry.limits).document if target.text else None
    found = []
    for item in report.judgement.items:
        if item.level == "info" or item.overridden_by is not None:
            continue
        where = f"{item.where}: " if item.where else ""
        named = f"{item.id} " if item.kind == "code" else ""  # the test id an override names
        hint = override_hint(target, item) if item.level == "block" else (
            OFFLINE_HINT if (item.kind, item.id) == ("not-scanned", OFFLINE) else None)
        d = diagnostic(item.rule, target.path,
                       document.line_of(item.pointer) if document else 1, item.pointer,
                       f"{where}{named}{item.message}", hint)
        found.append(replace(d, severity=Severity.ERROR if item.level == "block"
                             else Severity.WARNING))
    return found


def remove_stale(root: Path, keep: set[str]) -> list[str]:
    """Delete the records under index/cache/ that are not in ``keep``."""
    removed = []
    base = root / "index" / "cache"
    for path in sorted(base.glob("*/*.json")):
        rel = path.relative_to(root).as_posix()
        if rel not in keep:
            path.unlink()
            removed.append(rel)
    for folder in sorted(base.glob("*")):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return removed
