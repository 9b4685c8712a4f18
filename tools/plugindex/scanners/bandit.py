"""Adapter over bandit: run it on a fetched tree with the registry's configuration only.

bandit reads a ``.bandit`` file it finds anywhere under its target (and refuses to run when it
finds two), and ``[tool.bandit]`` when pointed at a pyproject: both would let a plugin switch
checks off. So bandit always gets ``--ini`` and ``-c`` files written here from registry.yaml.
It runs twice: as configured, and with ``--ignore-nosec``; what only the second run reports is
what ``# nosec`` comments suppressed, listed with its location.

bandit runs sealed (``adapters.proc.run_sealed``): an isolated interpreter, the working
directory a scratch directory outside the tree, the tree given as an absolute target, a clean
environment (no token, nothing else from the caller's environment) and stdin /dev/null. A
``bandit.py``, ``json.py``, ``sitecustomize.py`` or ``.pth`` file in the tree is never
imported. The caller makes the tree read-only first (``adapters.proc.seal_tree``). bandit's
default exclusions (``.git``, ``CVS``, ``.tox``, ... matched as substrings of the whole path)
are replaced by the registry's own patterns, anchored at the tree's top, so neither a directory
name in the tree nor in the scratch path hides files.

:class:`BanditScanner` is its source scanner (``scanners.base``): the record's ``bandit`` (the
findings, what ``# nosec`` suppressed, the files bandit could not scan) and ``bandit_problem``
(why bandit produced no result), judged into ``code``, ``suppressed`` and ``scan-error`` items.
"""

from __future__ import annotations

import glob
import json
import os
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from plugindex.adapters.proc import ProcessFailed, run_sealed
from plugindex.config.scan import ScanConfig
from plugindex.manifests.model import Manifest
from plugindex.scanners.base import Item, RecordPart, SealedTree


class ToolFailed(Exception):
    """A scanner did not produce a result (crash, timeout, unreadable output)."""


@dataclass(frozen=True, order=True)
class CodeFinding:
    file: str
    line: int
    test_id: str
    test_name: str
    severity: str  # low | medium | high
    confidence: str
    cwe: int | None
    text: str
    more_info: str

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "test_id": self.test_id,
                "test_name": self.test_name, "severity": self.severity,
                "confidence": self.confidence, "cwe": self.cwe, "text": self.text,
                "more_info": self.more_info}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> CodeFinding:
        return cls(d["file"], d["line"], d["test_id"], d["test_name"], d["severity"],
                   d["confidence"], d["cwe"], d["text"], d["more_info"])


@dataclass(frozen=True)
class BanditResult:
    findings: tuple[CodeFinding, ...]
    suppressed: tuple[CodeFinding, ...]  # silenced by a '# nosec' comment
    nosec_comments: int  # bandit's count of lines with '# nosec' (blanket or per test)
    errors: tuple[tuple[str, str], ...]  # (file, reason) bandit could not scan
    files: int
    lines: int
    version: str


def bandit_version() -> str:
    return version("bandit")


def _config_files(config: ScanConfig, scratch: Path) -> None:
    """bandit.ini (an empty section: nothing is read from the plugin) and bandit.yaml (the
    registry's settings; JSON is YAML)."""
    (scratch / "bandit.ini").write_text("[bandit]\n", encoding="utf-8")
    (scratch / "bandit.yaml").write_text(json.dumps({"skips": list(config.bandit_skips)}),
                                         encoding="utf-8")


def exclude_patterns(root: Path, patterns: tuple[str, ...]) -> str:
    """``-x`` for bandit: the registry's patterns anchored at the tree's top (bandit matches them
    against the absolute paths it walks, and as substrings); '' when there are none, which also
    drops bandit's own default exclusions."""
    top = glob.escape(str(root))
    return ",".join(p if p.startswith("*") else f"{top}/{p.removeprefix('./').lstrip('/')}"
                    for p in patterns)


def _run(root: Path, config: ScanConfig, scratch: Path, ignore_nosec: bool) -> dict[str, Any]:
    ini, yaml_file = scratch / "bandit.ini", scratch / "bandit.yaml"
    out = scratch / ("all.json" if ignore_nosec else "report.json")
    args = ["-r", str(root), "-f", "json", "-o", str(out), "-q", "--ini", str(ini),
            "-c", str(yaml_file), f"--exclude={exclude_patterns(root, config.bandit_exclude)}"]
    if ignore_nosec:
        args.append("--ignore-nosec")
    try:
        done = run_sealed("bandit", args, scratch=scratch, timeout=config.tool_seconds)
    except ProcessFailed as exc:
        if not exc.timed_out:
            raise  # not started at all: the environment is broken, not the plugin
        raise ToolFailed(f"bandit did not finish in {config.tool_seconds:g} s") from None
    try:
        report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        tail = done.stderr_text.strip()[-300:]
        raise ToolFailed(f"bandit exited {done.returncode} without a report: {tail}") from None
    return report


def _relative(path: str, root: Path) -> str:
    """A path bandit reported (absolute, under ``root``) relative to the tree's top."""
    return Path(os.path.relpath(os.path.normpath(path), root)).as_posix()


def _finding(r: dict[str, Any], root: Path) -> CodeFinding:
    cwe = r.get("issue_cwe") or {}
    return CodeFinding(
        file=_relative(r["filename"], root), line=int(r["line_number"]), test_id=r["test_id"],
        test_name=r["test_name"], severity=r["issue_severity"].lower(),
        confidence=r["issue_confidence"].lower(),
        cwe=int(cwe["id"]) if isinstance(cwe.get("id"), int) else None,
        text=r["issue_text"], more_info=r.get("more_info", ""))


def run_bandit(root: Path, config: ScanConfig) -> BanditResult:
    """Scan the Python files under ``root`` (absolute or not: bandit gets it absolute).
    Raises ToolFailed."""
    root = root.resolve()
    with tempfile.TemporaryDirectory(prefix="plugindex-bandit-") as tmp:
        scratch = Path(tmp)
        _config_files(config, scratch)
        report = _run(root, config, scratch, ignore_nosec=False)
        everything = _run(root, config, scratch, ignore_nosec=True)
    findings = sorted({_finding(r, root) for r in report.get("results", [])})
    every = sorted({_finding(r, root) for r in everything.get("results", [])})
    kept = set(findings)
    totals = report.get("metrics", {}).get("_totals", {})
    files = [k for k in report.get("metrics", {}) if k != "_totals"]
    return BanditResult(
        findings=tuple(findings),
        suppressed=tuple(f for f in every if f not in kept),
        nosec_comments=int(totals.get("nosec", 0)) + int(totals.get("skipped_tests", 0)),
        errors=tuple(sorted((_relative(e["filename"], root), str(e.get("reason", "")))
                            for e in report.get("errors", []))),
        files=len(files), lines=int(totals.get("loc", 0)), version=bandit_version(),
    )


class BanditScanner:
    """bandit as a source scanner: the record's ``bandit`` and ``bandit_problem``."""

    name = "bandit"

    def tools(self) -> Mapping[str, str]:
        return {"bandit": bandit_version()}

    def scan(self, tree: SealedTree, config: ScanConfig) -> RecordPart:
        try:
            result = run_bandit(tree.root, config)
        except ToolFailed as exc:
            return {"bandit": None, "bandit_problem": str(exc)}
        return {"bandit": {
            "findings": [f.as_json() for f in result.findings],
            "suppressed": [f.as_json() for f in result.suppressed],
            "nosec_comments": result.nosec_comments,
            "errors": [list(e) for e in result.errors],
            "files": result.files, "lines": result.lines},
            "bandit_problem": None}

    def unscanned(self) -> RecordPart:
        return {"bandit": None, "bandit_problem": None}

    def items(self, part: Mapping[str, Any], manifest: Manifest, config: ScanConfig
              ) -> list[Item]:
        """A finding at the level its severity and confidence give it; one silenced by
        ``# nosec`` keeps that level (only an admin's override lifts a block); a file bandit
        could not scan is a scan error; bandit not running is a skip (PI073)."""
        policy = config.policy
        items: list[Item] = []
        if part.get("bandit_problem"):
            items.append(Item("skipped", "bandit", "", policy.skipped, part["bandit_problem"],
                              rule="PI073"))
        bandit = part.get("bandit") or {}
        for f in bandit.get("findings", []):
            cwe = f" (CWE-{f['cwe']})" if f.get("cwe") else ""
            items.append(Item(
                "code", f["test_id"], f"{f['file']}:{f['line']}",
                policy.bandit_level(f["severity"], f["confidence"]),
                f"{f['text']} [{f['test_name']}, severity {f['severity']}, confidence "
                f"{f['confidence']}]{cwe}", rule="PI072"))
        for f in bandit.get("suppressed", []):
            items.append(Item(
                "suppressed", f["test_id"], f"{f['file']}:{f['line']}",
                policy.bandit_level(f["severity"], f["confidence"]),
                f"silenced by a '# nosec' comment: {f['text']} [{f['test_name']}, severity "
                f"{f['severity']}, confidence {f['confidence']}]", rule="PI072"))
        for file, reason in bandit.get("errors", []):
            items.append(Item("scan-error", "scan-error", file, policy.scan_errors,
                              f"bandit could not scan this file: {reason}", rule="PI073"))
        return items

    def summary(self, part: Mapping[str, Any], items: Sequence[Item], config: ScanConfig
                ) -> dict[str, Any]:
        bandit = part.get("bandit") or {}
        severities = Counter(f["severity"] for f in bandit.get("findings", []))
        return {"findings": {s: severities.get(s, 0) for s in ("high", "medium", "low")},
                "suppressed": len(bandit.get("suppressed", [])),
                "nosec_comments": bandit.get("nosec_comments", 0)}
