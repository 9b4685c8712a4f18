"""plugindex scan / plugindex audit: scan sources and audit dependencies into index/cache/.

``scan`` fetches and scans what is not in the cache yet (or was scanned with other tools or
settings) and audits dependencies not audited yet; ``audit`` asks the advisory service again
for every published version, using the cached source results (bandit is not run again). A new
answer that drops advisories their OSV records still stand by is refused: the previous record
stays and the refusal is reported as dependencies not audited (PI076).
Exit 1 when a scanned version has a finding the policy blocks; 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from plugindex.adapters.fsutil import write_atomic
from plugindex.adapters.gitrepo import GitRepo
from plugindex.config.registry import load_registry
from plugindex.diagnostics import Diagnostic, has_errors
from plugindex.layout import RECORDS_DIR, find_root
from plugindex.progress import watched
from plugindex.report import render, summary
from plugindex.scan.receipt import RECEIPT, Receipt, digests, receipt_bytes
from plugindex.scan.records import audit_record_path, audit_requirements, source_record_path
from plugindex.scan.scanner import (
    RecordStore,
    Scanner,
    ScanOptions,
    VersionReport,
    diagnostics_of,
    remove_stale,
)
from plugindex.scan.shard import Shard, parse_shard
from plugindex.scan.targets import changed_since, select, versions_at


def add_scan_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("versions", nargs="*", metavar="NAME[@VERSION]",
                   help="what to scan (default: every version at the commit)")
    p.add_argument("--changed", metavar="BASE",
                   help="only the manifests added or changed since this commit (a PR's base)")
    p.add_argument("--rev", default="HEAD", help="the commit whose manifests to scan")
    p.add_argument("--osv-url", metavar="URL",
                   help="the OSV query endpoint (default: registry.yaml's scan.osv_url, "
                        "else https://api.osv.dev/v1/query)")
    p.add_argument("--offline", action="store_true",
                   help="use the network for nothing: cached results, in-repository sources")
    p.add_argument("--format", choices=("text", "json", "github"), default="text")
    p.add_argument("--export", type=Path, metavar="DIR",
                   help="also copy every record this run wrote into DIR (paths under "
                        "index/cache/) with its receipt, for another job to merge with "
                        "plugindex merge-records")
    _shard_argument(p)


def add_audit_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rev", default="HEAD", help="the commit whose manifests to audit")
    p.add_argument("--osv-url", metavar="URL", help="the OSV query endpoint")
    p.add_argument("--format", choices=("text", "json", "github"), default="text")
    p.add_argument("--export", type=Path, metavar="DIR",
                   help="also copy every record this run wrote into DIR, with its receipt")
    _shard_argument(p)


def _shard(text: str) -> Shard:
    try:
        return parse_shard(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _shard_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--shard", type=_shard, metavar="K/N",
                   help="only the plugins of shard K of N (a stable split by plugin name: "
                        "run N jobs, K = 1..N, and merge their exports)")


def _line(r: VersionReport) -> str:
    s = r.judgement.summary
    m = r.target.manifest
    if r.judgement.verdict == "not-scanned":
        return f"{m.name} {m.version}: not scanned"
    f = s["findings"]
    parts = [f"{f['high']} high, {f['medium']} medium, {f['low']} low",
             f"{s['advisories']} advisories"]
    if s["suppressed"]:
        parts.append(f"{s['suppressed']} suppressed by # nosec")
    if s["permissions"]["undeclared"]:
        parts.append("undeclared: " + ", ".join(s["permissions"]["undeclared"]))
    if s["overridden"]:
        parts.append(f"{s['overridden']} approved by an admin")
    how = "scanned" if r.scanned else "cached"
    return (f"{m.name} {m.version}: {r.judgement.verdict} ({'; '.join(parts)}) "
            f"[{how}, {r.seconds:.2f} s]")


def progress(total: int) -> Callable[[VersionReport], None] | None:
    """A line on stderr as each version is done, where someone watches (``watched``)."""
    if not watched():
        return None
    count = 0

    def done(r: VersionReport) -> None:
        nonlocal count
        count += 1
        m = r.target.manifest
        print(f"[{count}/{total}] {m.name} {m.version}: {r.judgement.verdict} "
              f"({'scanned' if r.scanned or r.audited else 'cached'}, {r.seconds:.1f} s)",
              file=sys.stderr, flush=True)

    return done


def _json(r: VersionReport) -> dict[str, Any]:
    m = r.target.manifest
    return {"name": m.name, "version": m.version, "manifest": r.target.path, "key": r.key,
            "verdict": r.judgement.verdict, "summary": dict(r.judgement.summary),
            "items": [i.as_json() for i in r.judgement.items], "scanned": r.scanned,
            "audited": r.audited, "seconds": round(r.seconds, 3)}


def _report(reports: list[VersionReport], diagnostics: list[Diagnostic], fmt: str) -> int:
    if fmt == "json":
        print(json.dumps({"versions": [_json(r) for r in reports],
                          "diagnostics": [d.as_json() for d in diagnostics],
                          "ok": not has_errors(diagnostics)},
                         indent=2, sort_keys=True, ensure_ascii=False))
    else:
        if fmt == "text":
            for r in reports:
                print(_line(r))
        output = render(diagnostics, fmt, len(reports))
        if output:
            print(output)
    verdicts = Counter(r.judgement.verdict for r in reports)
    print(f"{len(reports)} version(s): " + ", ".join(
        f"{n} {v}" for v, n in sorted(verdicts.items())) + "; " +
        summary(diagnostics, len(reports)).split(": ", 1)[-1], file=sys.stderr)
    return 1 if has_errors(diagnostics) else 0


def _keep(reports: list[VersionReport]) -> set[str]:
    """The records the versions scanned use."""
    keep = set()
    for r in reports:
        if r.key is not None:
            keep.add(source_record_path(r.target.manifest.name, r.key))
        keep.add(audit_record_path(r.target.manifest.name,
                                   audit_requirements(r.target.manifest, r.record)))
    return keep


def export(root: Path, written: set[str], into: Path, command: str, commit: str,
           shard: Shard | None) -> None:
    """Copy the records written this run into ``into`` (created), with the receipt that lists
    them (written last, and also when no record was)."""
    into.mkdir(parents=True, exist_ok=True)
    records = {rel.removeprefix(f"{RECORDS_DIR}/"): (root / rel).read_bytes()
               for rel in sorted(written)}
    for rel, data in records.items():
        write_atomic(into / rel, data)
    write_atomic(into / RECEIPT, receipt_bytes(Receipt(command, commit, shard,
                                                       digests(records))))
    print(f"exported {len(records)} record(s) to {into}", file=sys.stderr)


def _run(args: argparse.Namespace, options: ScanOptions, audit_only: bool) -> int:
    root = find_root(args.root)
    registry = load_registry(root)
    repo = GitRepo(root)
    head = repo.resolve(args.rev)
    everything = versions_at(repo, head, registry)
    if args.shard is not None:
        everything = [t for t in everything if args.shard.holds(t.manifest.name)]
    targets = everything
    if not audit_only:
        targets = select(everything, args.versions)
        if args.changed:
            targets = changed_since(repo, args.changed, targets, head)
    trusted = None
    if not audit_only and args.changed:
        # In a pull request, only records already on the base branch are believed.
        trusted = {e.path: e.oid for e in repo.ls_tree(repo.resolve(args.changed), RECORDS_DIR)
                   if e.kind == "blob"}
    store = RecordStore(root, trusted)
    scanner = Scanner(repo, registry, store, options)
    reports = scanner.run(targets, done=progress(len(targets)))
    if args.export is not None:
        export(root, store.written, args.export, "audit" if audit_only else "scan", head,
               args.shard)
    diagnostics = sorted(d for r in reports for d in diagnostics_of(r, registry))
    if targets == everything and args.shard is None and not options.offline:
        # Every version was looked at: records no version uses any more go.
        for rel in remove_stale(root, _keep(reports)):
            print(f"removed {rel} (no version uses it)", file=sys.stderr)
    return _report(reports, diagnostics, args.format)


def run_scan(args: argparse.Namespace) -> int:
    return _run(args, ScanOptions(offline=args.offline, osv_url=args.osv_url), False)


def run_audit(args: argparse.Namespace) -> int:
    return _run(args, ScanOptions(osv_url=args.osv_url, refresh_audit=True,
                                  scan_sources=False), True)
