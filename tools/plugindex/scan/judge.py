"""Judge one version's scan and audit records by the registry's policy (pure).

Every finding becomes an :class:`Item` with the level the policy gives it (block, warn, info)
and, where an admin approved an exception, who did. The verdict orders: blocked, not-scanned,
incomplete (a check was skipped: never read as clean), warnings, passed.

A finding silenced by ``# nosec`` keeps the level its severity and confidence give it (listed
as ``suppressed``): only an admin's override lifts a block, never a comment in the plugin.
What a check could not read is a ``scan-error`` at the policy's ``scan_errors`` level: a file
bandit could not parse, a file the permission detector could not analyse, a lock or
requirements file that yields nothing to audit. An audit refresh the scan refused (see
``scan``) is an ``audit-skipped`` item.

The judge knows the record's envelope (was the source fetched?) and the audit; every source
scanner's part it hands to that scanner (``scanners.registry.SCANNERS``, ``SourceScanner.items``
and ``summary``), so a new scanner's findings are judged without a line here. Every item
carries the rule id and the manifest pointer its diagnostic gets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from plugindex.config.scan import ScanConfig
from plugindex.diagnostics import pointer
from plugindex.manifests.model import Manifest
from plugindex.scanners import registry as source_scanners
from plugindex.scanners.base import Item, SourceScanner

VERDICTS = ("blocked", "not-scanned", "incomplete", "warnings", "passed")


@dataclass(frozen=True)
class Judgement:
    verdict: str
    items: tuple[Item, ...]
    summary: Mapping[str, Any]

    @property
    def blocking(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.blocks)


def _fetch_items(record: Mapping[str, Any], config: ScanConfig) -> list[Item]:
    """The source was refused (PI070) or could not be fetched (PI071)."""
    policy = config.policy
    problem: Mapping[str, str] = record.get("problem") or {"code": "", "message": ""}
    if record["status"] == "refused":
        return [Item("refused", problem["code"], "", policy.refused, problem["message"],
                     rule="PI070")]
    if record["status"] == "skipped":
        return [Item("skipped", problem["code"], "", policy.skipped, problem["message"],
                     rule="PI071")]
    return []


def _requirement(where: str, manifest: Manifest) -> str:
    """The pointer of an audit item: the manifest's requirement it is about, else the source
    (a requirement its lock or requirements files declare)."""
    if where in manifest.requires_packages:
        return pointer("requires", "packages", manifest.requires_packages.index(where))
    return pointer("source")


def _audit_items(manifest: Manifest, audit: Mapping[str, Any] | None, config: ScanConfig
                 ) -> list[Item]:
    policy = config.policy
    if audit is None:
        return [Item("audit-skipped", "not-audited", "", policy.skipped,
                     "the dependencies have not been audited yet", rule="PI076")]
    if audit["status"] != "audited":
        return [Item("audit-skipped", "audit", "", policy.skipped,
                     f"the dependency audit could not run: {audit['problem']}", rule="PI076")]
    items = [Item("audit-skipped", "audit", req, policy.skipped, f"not audited: {why}",
                  rule="PI076", pointer=_requirement(req, manifest))
             for req, why in audit.get("skips", [])]
    if audit.get("refresh_problem"):
        items.append(Item("audit-skipped", "audit-refresh", "", policy.skipped,
                          str(audit["refresh_problem"]), rule="PI076"))
    for p in audit.get("packages", []):
        for a in p["advisories"]:
            fixed = ", ".join(a["fixed_in"]) or "no fixed version"
            resolved = " (the version the range resolves to today)" if p["resolved"] else ""
            aliases = f" ({', '.join(a['aliases'])})" if a["aliases"] else ""
            summary = f": {a['summary']}" if a["summary"] else ""
            items.append(Item(
                "advisory", a["id"], p["requirement"], policy.advisories,
                f"{p['name']} {p['version']}{resolved}: {a['id']}{aliases}{summary} "
                f"(severity: {a.get('severity') or 'unknown'}; fixed in: {fixed})",
                aliases=tuple(a["aliases"]), rule="PI074",
                pointer=_requirement(p["requirement"], manifest)))
    return items


def _override(items: Sequence[Item], plugin: str, version: str, config: ScanConfig
              ) -> list[Item]:
    out = []
    for item in items:
        ids = frozenset({item.id, item.kind, *item.aliases})
        found = config.policy.override_for(plugin, version, ids) if item.level != "info" \
            else None
        out.append(replace(item, overridden_by=found.approved_by if found else None))
    return out


OFFLINE = "offline"  # the id of a not-scanned item when the run fetched nothing


def part_of(scanner: SourceScanner, record: Mapping[str, Any]) -> dict[str, Any]:
    """A scanner's part of a record: those of its keys the record has."""
    return {k: record[k] for k in scanner.unscanned() if k in record}


def judge(manifest: Manifest, record: Mapping[str, Any] | None,
          audit: Mapping[str, Any] | None, config: ScanConfig,
          offline: bool = False) -> Judgement:
    """``offline``: a missing record is due to a run that fetches nothing (said so, with the
    item id ``offline``), not to a scan nobody ran."""
    if record is None:
        why = ("not fetched: this run is offline (--offline), and index/cache holds no result "
               "for this source") if offline else (
               "the source has not been scanned: there is no result for it in index/cache")
        return Judgement("not-scanned", (Item(
            "not-scanned", OFFLINE if offline else "not-scanned", "", config.policy.skipped,
            why, rule="PI077"),), {"verdict": "not-scanned"})

    def judged(found: Sequence[Item]) -> list[Item]:
        return _override(found, manifest.name, manifest.version, config)

    parts = [(s, part_of(s, record)) for s in source_scanners.SCANNERS]
    by_scanner = [(s, part, judged(s.items(part, manifest, config))) for s, part in parts]
    items = sorted([*judged(_fetch_items(record, config)),
                    *(i for _, _, own in by_scanner for i in own),
                    *judged(_audit_items(manifest, audit, config))])
    if any(i.blocks for i in items):
        verdict = "blocked"
    elif any(i.kind in ("refused", "skipped", "audit-skipped") for i in items):
        verdict = "incomplete"
    elif any(i.level == "warn" and i.overridden_by is None for i in items):
        verdict = "warnings"
    else:
        verdict = "passed"
    summary: dict[str, Any] = {
        "verdict": verdict,
        "status": record["status"],
        "scan_errors": sum(1 for i in items if i.kind == "scan-error"),
        "advisories": sum(1 for i in items if i.kind == "advisory"),
        "skips": [{"check": i.kind if i.kind != "skipped" else i.id, "reason": i.message}
                  for i in items if i.kind in ("refused", "skipped", "audit-skipped")],
        "blocking": sum(1 for i in items if i.blocks),
        "overridden": sum(1 for i in items if i.overridden_by is not None),
        "tools": dict(record.get("tools", {})),
        "commit": (record.get("source") or {}).get("commit"),
        "tree": (record.get("source") or {}).get("tree"),
        "audited_since": audit.get("since") if audit else None,
    }
    for scanner, part, own in by_scanner:
        figures = scanner.summary(part, own, config)
        clash = summary.keys() & figures.keys()
        if clash:
            raise ValueError(f"scanner {scanner.name!r} may not write the summary's "
                             f"{sorted(clash)}")
        summary.update(figures)
    return Judgement(verdict, tuple(items), summary)
