"""The source scanners, in one table: what a scan runs on every fetched source, and what the
judge reads back from every record (``scanners.base`` says how to write one).

``scan/scanner.py`` and ``scan/judge.py`` read ``SCANNERS`` when they run (never a copy taken
at import), so a test may register a scanner of its own by replacing the table.
"""

from __future__ import annotations

from plugindex.scanners.bandit import BanditScanner
from plugindex.scanners.base import SourceScanner
from plugindex.scanners.lockfiles import LockfileScanner
from plugindex.scanners.permissions import PermissionScanner
from plugindex.scanners.quality import QualityScanner

SCANNERS: tuple[SourceScanner, ...] = (
    BanditScanner(),
    PermissionScanner(),
    LockfileScanner(),
    QualityScanner(),
)
