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
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from plugindex.config.scan import Level, ScanConfig
from plugindex.manifests.model import Manifest

VERDICTS = ("blocked", "not-scanned", "incomplete", "warnings", "passed")


@dataclass(frozen=True, order=True)
class Item:
    kind: str  # refused | skipped | not-scanned | code | suppressed | scan-error | advisory |
    #            permission | audit-skipped
    id: str  # B602, PYSEC-2018-28, network, a fetch code, ...
    where: str  # file:line, a requirement, or ''
    level: Level
    message: str
    overridden_by: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def blocks(self) -> bool:
        return self.level == "block" and self.overridden_by is None

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "where": self.where, "level": self.level,
                "message": self.message, "overridden_by": self.overridden_by,
                "aliases": list(self.aliases)}


@dataclass(frozen=True)
class Judgement:
    verdict: str
    items: tuple[Item, ...]
    summary: Mapping[str, Any]

    @property
    def blocking(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.blocks)


def _items(manifest: Manifest, record: Mapping[str, Any], config: ScanConfig) -> list[Item]:
    policy = config.policy
    items: list[Item] = []
    problem: Mapping[str, str] = record.get("problem") or {"code": "", "message": ""}
    if record["status"] == "refused":
        items.append(Item("refused", problem["code"], "", policy.refused, problem["message"]))
    elif record["status"] == "skipped":
        items.append(Item("skipped", problem["code"], "", policy.skipped, problem["message"]))
    if record.get("bandit_problem"):
        items.append(Item("skipped", "bandit", "", policy.skipped, record["bandit_problem"]))
    bandit = record.get("bandit") or {}
    for f in bandit.get("findings", []):
        cwe = f" (CWE-{f['cwe']})" if f.get("cwe") else ""
        items.append(Item(
            "code", f["test_id"], f"{f['file']}:{f['line']}",
            policy.bandit_level(f["severity"], f["confidence"]),
            f"{f['text']} [{f['test_name']}, severity {f['severity']}, confidence "
            f"{f['confidence']}]{cwe}"))
    for f in bandit.get("suppressed", []):
        items.append(Item(
            "suppressed", f["test_id"], f"{f['file']}:{f['line']}",
            policy.bandit_level(f["severity"], f["confidence"]),
            f"silenced by a '# nosec' comment: {f['text']} [{f['test_name']}, severity "
            f"{f['severity']}, confidence {f['confidence']}]"))
    for file, reason in bandit.get("errors", []):
        items.append(Item("scan-error", "scan-error", file, policy.scan_errors,
                          f"bandit could not scan this file: {reason}"))
    for file, reason in record.get("permission_skips", []):
        items.append(Item("scan-error", "permissions", file, policy.scan_errors,
                          f"the permission detector could not analyse this file: {reason}"))
    for file, reason in (record.get("declared") or {}).get("problems", []):
        items.append(Item("scan-error", "lock-file", file, policy.scan_errors,
                          f"the dependency audit cannot use this file: {reason}"))
    declared = set(manifest.permissions)
    needs = config.permission_map
    for use, evidence in sorted(record.get("permissions", {}).items()):
        permission = needs.get(use)
        if permission is None or permission in declared or not evidence:
            continue
        first = evidence[0]
        items.append(Item(
            "permission", permission, f"{first['file']}:{first['line']}",
            policy.undeclared_permissions,
            f"the code uses {use} ({first['construct']}, {len(evidence)} place(s)) but the "
            f"manifest does not declare the '{permission}' permission"))
    return items


def _audit_items(audit: Mapping[str, Any] | None, config: ScanConfig) -> list[Item]:
    policy = config.policy
    if audit is None:
        return [Item("audit-skipped", "not-audited", "", policy.skipped,
                     "the dependencies have not been audited yet")]
    if audit["status"] != "audited":
        return [Item("audit-skipped", "audit", "", policy.skipped,
                     f"the dependency audit could not run: {audit['problem']}")]
    items = [Item("audit-skipped", "audit", req, policy.skipped, f"not audited: {why}")
             for req, why in audit.get("skips", [])]
    if audit.get("refresh_problem"):
        items.append(Item("audit-skipped", "audit-refresh", "", policy.skipped,
                          str(audit["refresh_problem"])))
    for p in audit.get("packages", []):
        for a in p["advisories"]:
            fixed = ", ".join(a["fixed_in"]) or "no fixed version"
            resolved = " (the version the range resolves to today)" if p["resolved"] else ""
            items.append(Item(
                "advisory", a["id"], p["requirement"], policy.advisories,
                f"{p['name']} {p['version']}{resolved}: {a['summary'] or a['id']} "
                f"(severity: {a.get('severity') or 'unknown'}; fixed in: {fixed})",
                aliases=tuple(a["aliases"])))
    return items


def _override(items: list[Item], plugin: str, version: str, config: ScanConfig) -> list[Item]:
    out = []
    for item in items:
        ids = frozenset({item.id, item.kind, *item.aliases})
        found = config.policy.override_for(plugin, version, ids) if item.level != "info" \
            else None
        out.append(Item(item.kind, item.id, item.where, item.level, item.message,
                        found.approved_by if found else None, item.aliases))
    return sorted(out)


def judge(manifest: Manifest, record: Mapping[str, Any] | None,
          audit: Mapping[str, Any] | None, config: ScanConfig) -> Judgement:
    if record is None:
        return Judgement("not-scanned", (Item(
            "not-scanned", "not-scanned", "", config.policy.skipped,
            "the source has not been scanned: there is no result for it in index/cache"),),
            {"verdict": "not-scanned"})
    items = _override([*_items(manifest, record, config), *_audit_items(audit, config)],
                      manifest.name, manifest.version, config)
    if any(i.blocks for i in items):
        verdict = "blocked"
    elif any(i.kind in ("refused", "skipped", "audit-skipped") for i in items):
        verdict = "incomplete"
    elif any(i.level == "warn" and i.overridden_by is None for i in items):
        verdict = "warnings"
    else:
        verdict = "passed"
    bandit = record.get("bandit") or {}
    severities = Counter(f["severity"] for f in bandit.get("findings", []))
    permissions = record.get("permissions", {})
    needs = config.permission_map
    detected = sorted({needs.get(use, use) for use, ev in permissions.items() if ev})
    summary = {
        "verdict": verdict,
        "status": record["status"],
        "findings": {s: severities.get(s, 0) for s in ("high", "medium", "low")},
        "suppressed": len(bandit.get("suppressed", [])),
        "nosec_comments": bandit.get("nosec_comments", 0),
        "scan_errors": sum(1 for i in items if i.kind == "scan-error"),
        "advisories": sum(1 for i in items if i.kind == "advisory"),
        "permissions": {
            "detected": detected,
            "undeclared": sorted(i.id for i in items if i.kind == "permission"),
        },
        "skips": [{"check": i.kind if i.kind != "skipped" else i.id, "reason": i.message}
                  for i in items if i.kind in ("refused", "skipped", "audit-skipped")],
        "blocking": sum(1 for i in items if i.blocks),
        "overridden": sum(1 for i in items if i.overridden_by is not None),
        "tools": dict(record.get("tools", {})),
        "commit": (record.get("source") or {}).get("commit"),
        "tree": (record.get("source") or {}).get("tree"),
        "audited_since": audit.get("since") if audit else None,
    }
    return Judgement(verdict, tuple(items), summary)
