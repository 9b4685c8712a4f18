"""Adapter over bandit: run it on a fetched tree with the registry's configuration only.

bandit reads a ``.bandit`` file it finds anywhere under its target (and refuses to run when it
finds two), and ``[tool.bandit]`` when pointed at a pyproject: both would let a plugin switch
checks off. So bandit always gets ``--ini`` and ``-c`` files written here from registry.yaml.
It runs twice: as configured, and with ``--ignore-nosec``; what only the second run reports is
what ``# nosec`` comments suppressed, listed with its location.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from plugindex.scanconfig import ScanConfig


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


def _run(root: Path, config: ScanConfig, scratch: Path, ignore_nosec: bool) -> dict[str, Any]:
    ini, yaml_file = scratch / "bandit.ini", scratch / "bandit.yaml"
    out = scratch / ("all.json" if ignore_nosec else "report.json")
    cmd = [sys.executable, "-m", "bandit", "-r", ".", "-f", "json", "-o", str(out), "-q",
           "--ini", str(ini), "-c", str(yaml_file)]
    if config.bandit_exclude:
        cmd += ["-x", ",".join(config.bandit_exclude)]
    if ignore_nosec:
        cmd.append("--ignore-nosec")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(scratch),
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1"}
    try:
        done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, check=False,
                              timeout=config.tool_seconds, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ToolFailed(f"bandit did not finish in {config.tool_seconds:g} s") from None
    try:
        report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        tail = done.stderr.decode("utf-8", "replace").strip()[-300:]
        raise ToolFailed(f"bandit exited {done.returncode} without a report: {tail}") from None
    return report


def _relative(path: str) -> str:
    return Path(os.path.normpath(path)).as_posix().removeprefix("./")


def _finding(r: dict[str, Any]) -> CodeFinding:
    cwe = r.get("issue_cwe") or {}
    return CodeFinding(
        file=_relative(r["filename"]), line=int(r["line_number"]), test_id=r["test_id"],
        test_name=r["test_name"], severity=r["issue_severity"].lower(),
        confidence=r["issue_confidence"].lower(),
        cwe=int(cwe["id"]) if isinstance(cwe.get("id"), int) else None,
        text=r["issue_text"], more_info=r.get("more_info", ""))


def run_bandit(root: Path, config: ScanConfig) -> BanditResult:
    """Scan the Python files under ``root``. Raises ToolFailed."""
    with tempfile.TemporaryDirectory(prefix="plugindex-bandit-") as tmp:
        scratch = Path(tmp)
        _config_files(config, scratch)
        report = _run(root, config, scratch, ignore_nosec=False)
        everything = _run(root, config, scratch, ignore_nosec=True)
    findings = sorted({_finding(r) for r in report.get("results", [])})
    every = sorted({_finding(r) for r in everything.get("results", [])})
    kept = set(findings)
    totals = report.get("metrics", {}).get("_totals", {})
    files = [k for k in report.get("metrics", {}) if k != "_totals"]
    return BanditResult(
        findings=tuple(findings),
        suppressed=tuple(f for f in every if f not in kept),
        nosec_comments=int(totals.get("nosec", 0)) + int(totals.get("skipped_tests", 0)),
        errors=tuple(sorted((_relative(e["filename"]), str(e.get("reason", "")))
                            for e in report.get("errors", []))),
        files=len(files), lines=int(totals.get("loc", 0)), version=bandit_version(),
    )
